"""DuckDB schema as ordered migrations.

Each migration is a list of SQL statements; `schema_version` records the highest applied. A
database made by an older version of the code opens and is upgraded in order. Never edit a
migration that has shipped: append a new one.
"""
from __future__ import annotations

import duckdb


def seed_catalog(con: duckdb.DuckDBPyConnection) -> None:
    """Load the shipped catalog (data/catalog/exercises.json) into `exercises`."""
    from engine.ingest.exercise_names import load_catalog

    con.register("catalog_frame", load_catalog())
    con.execute(
        """INSERT INTO exercises BY NAME
           SELECT exercise_id, name, aliases, primary_muscles, secondary_muscles, equipment,
                  level, mechanic, force, category, false AS is_custom
           FROM catalog_frame"""
    )
    con.unregister("catalog_frame")


MIGRATIONS: list[list] = [
    # 1: the data model of DESIGN.md
    [
        """CREATE TABLE athletes (
            athlete_id INTEGER PRIMARY KEY,
            name VARCHAR NOT NULL UNIQUE,
            sex VARCHAR,                -- 'M' | 'F'
            birth_date DATE,
            height_cm DOUBLE,
            mass_kg DOUBLE,
            hr_rest DOUBLE,             -- bpm
            hr_max DOUBLE,              -- bpm
            lthr DOUBLE,                -- bpm
            team VARCHAR
        )""",
        """CREATE TABLE imports (
            import_id INTEGER PRIMARY KEY,
            file_name VARCHAR NOT NULL,
            sha256 VARCHAR NOT NULL,
            kind VARCHAR,               -- fit | gpx | tcx | strong | hevy | native | fitness | wellness | demo
            athlete_id INTEGER,
            status VARCHAR NOT NULL,    -- imported | rejected
            rows_in INTEGER,
            rows_kept INTEGER,
            message VARCHAR,
            created_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE activities (
            activity_id BIGINT PRIMARY KEY,
            athlete_id INTEGER NOT NULL,
            sport VARCHAR NOT NULL,     -- running | cycling | strength | ...
            name VARCHAR,
            device VARCHAR,             -- e.g. "garmin fenix5", "StravaGPX"
            start_time TIMESTAMP NOT NULL,  -- UTC for watch files, local for app exports
            duration_s DOUBLE,          -- elapsed, s
            moving_time_s DOUBLE,       -- elapsed minus pauses (> 30 s gaps), s
            pause_count INTEGER,
            distance_m DOUBLE,
            ascent_m DOUBLE,
            avg_hr DOUBLE,              -- bpm
            max_hr DOUBLE,              -- bpm
            srpe DOUBLE,                -- session RPE, CR-10
            import_id INTEGER
        )""",
        """CREATE TABLE samples (
            activity_id BIGINT NOT NULL,
            t_s DOUBLE NOT NULL,        -- s since start_time
            lat DOUBLE, lon DOUBLE,     -- degrees
            altitude_m DOUBLE,
            distance_m DOUBLE,
            speed_mps DOUBLE,
            heart_rate DOUBLE,          -- bpm
            cadence DOUBLE              -- rpm / steps per min per foot, as the device reports
        )""",
        """CREATE TABLE exercises (
            exercise_id VARCHAR PRIMARY KEY,
            name VARCHAR NOT NULL,
            aliases VARCHAR[],
            primary_muscles VARCHAR[],
            secondary_muscles VARCHAR[],
            equipment VARCHAR,
            level VARCHAR,
            mechanic VARCHAR,
            force VARCHAR,
            category VARCHAR,
            is_custom BOOLEAN NOT NULL DEFAULT false
        )""",
        """CREATE TABLE strength_sets (
            athlete_id INTEGER NOT NULL,
            session_date DATE NOT NULL,
            session_id BIGINT NOT NULL,  -- the workout's activity_id (sport = 'strength')
            exercise_id VARCHAR NOT NULL,
            set_order INTEGER NOT NULL,  -- 1.. within the exercise in that session
            set_type VARCHAR,            -- normal | warmup | failure | dropset
            weight_kg DOUBLE,
            reps INTEGER,
            duration_s DOUBLE,           -- timed sets (plank): reps = 0
            distance_m DOUBLE,
            rpe DOUBLE,
            rir DOUBLE,
            rest_s DOUBLE,
            import_id INTEGER
        )""",
        """CREATE TABLE fitness_tests (
            athlete_id INTEGER NOT NULL,
            test_date DATE NOT NULL,
            height_cm DOUBLE,
            mass_kg DOUBLE,
            run_3000m_s DOUBLE,          -- sum of the 15 laps
            lap_200m_s DOUBLE[],         -- 15 splits, s
            pullups INTEGER,
            situps_60s INTEGER,
            shuttle_30x2_s DOUBLE,
            import_id INTEGER
        )""",
        """CREATE TABLE fitness_cohort (
            record_id INTEGER PRIMARY KEY,
            age_y DOUBLE,
            height_cm DOUBLE,
            mass_kg DOUBLE,
            bmi DOUBLE,
            bmi_class VARCHAR,           -- underweight | normal | overweight | obese (WHO)
            run_3000m_s DOUBLE,
            lap_200m_s DOUBLE[],
            pullups INTEGER,
            situps_60s INTEGER,
            shuttle_30x2_s DOUBLE
        )""",
        """CREATE TABLE wellness (
            athlete_id INTEGER NOT NULL,
            day DATE NOT NULL,
            srpe_load DOUBLE,            -- sRPE x min (Foster), a.u.
            sleep_h DOUBLE,
            soreness DOUBLE,             -- 0-10
            hr_rest_morning DOUBLE,      -- bpm
            hrv_ms DOUBLE,
            import_id INTEGER,
            PRIMARY KEY (athlete_id, day)
        )""",
        """CREATE TABLE models (
            model_id INTEGER PRIMARY KEY,
            kind VARCHAR NOT NULL,
            version INTEGER NOT NULL,
            trained_at TIMESTAMP NOT NULL,
            data_fingerprint VARCHAR,
            params JSON,
            metrics JSON,
            artifact_path VARCHAR
        )""",
        seed_catalog,
    ],
    # 2: a counter that every write transaction bumps, so the app's caches know when to refresh
    [
        "CREATE TABLE data_version (version BIGINT NOT NULL)",
        "INSERT INTO data_version VALUES (0)",
    ],
    # 3: training-load settings per team, and planned weeks from the what-if planner
    [
        """CREATE TABLE load_settings (
            team VARCHAR PRIMARY KEY,    -- '' = athletes without a team
            settings JSON NOT NULL,      -- engine.load.settings.LoadSettings.to_dict()
            updated_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE planned_days (
            athlete_id INTEGER NOT NULL,
            day DATE NOT NULL,
            planned_au DOUBLE NOT NULL,  -- planned Foster load, sRPE x min
            saved_at TIMESTAMP NOT NULL,
            PRIMARY KEY (athlete_id, day)
        )""",
    ],
    # 4: device laps, the coach's note on a session, app-wide settings (map tiles)
    [
        """CREATE TABLE laps (
            activity_id BIGINT NOT NULL,
            lap_no INTEGER NOT NULL,     -- 1.. in time order
            start_s DOUBLE,              -- s since the activity's start_time
            duration_s DOUBLE,           -- elapsed, s
            distance_m DOUBLE,
            avg_hr DOUBLE,               -- bpm, as the device reports
            max_hr DOUBLE,               -- bpm, as the device reports
            PRIMARY KEY (activity_id, lap_no)
        )""",
        "ALTER TABLE activities ADD COLUMN note VARCHAR",
        """CREATE TABLE app_settings (
            key VARCHAR PRIMARY KEY,     -- engine.store.app_settings.DEFAULTS names every key
            value JSON NOT NULL,
            updated_at TIMESTAMP NOT NULL
        )""",
    ],
    # 5: the planned week's exercises (engine.store.plans keeps planned_days.planned_au in step)
    [
        """CREATE TABLE planned_exercises (
            athlete_id INTEGER NOT NULL,
            day DATE NOT NULL,
            exercise_id VARCHAR NOT NULL,
            sets INTEGER NOT NULL,
            reps_low INTEGER,
            reps_high INTEGER,
            weight_low_kg DOUBLE,
            weight_high_kg DOUBLE,
            rest_s DOUBLE,               -- s between sets
            load_au DOUBLE NOT NULL,     -- the planned Foster load this exercise adds to the day, sRPE x min
            source VARCHAR NOT NULL,     -- 'split' (overload page's split generator) | 'recommend' (recommender)
            saved_at TIMESTAMP NOT NULL,
            PRIMARY KEY (athlete_id, day, exercise_id)
        )""",
    ],
    # 6: fitness assessments (BMI class, SHAP, deficiencies), biweekly reassessments, and timed
    # planned exercises (the fitness prescription's runs, intervals and holds)
    [
        """CREATE TABLE fitness_assessments (
            athlete_id INTEGER NOT NULL,
            test_date DATE NOT NULL,
            model_version INTEGER NOT NULL,
            cutoffs VARCHAR NOT NULL,    -- engine.fitness.battery.CUTOFFS key: 'who' | 'china'
            predicted_class VARCHAR NOT NULL,
            probabilities DOUBLE[] NOT NULL,  -- per class, engine.fitness.battery.CLASSES order
            shap DOUBLE[] NOT NULL,      -- per test, battery.TESTS order: push toward 1 - P(normal)
            deficiencies VARCHAR[] NOT NULL,  -- test columns, weakest first
            assessed_at TIMESTAMP NOT NULL,
            PRIMARY KEY (athlete_id, test_date, model_version, cutoffs)
        )""",
        """CREATE TABLE fitness_reassessments (
            athlete_id INTEGER NOT NULL,
            test_date DATE NOT NULL,
            test VARCHAR NOT NULL,       -- fitness_tests column
            baseline DOUBLE, previous DOUBLE, latest DOUBLE,   -- the test's unit
            vs_previous DOUBLE, vs_baseline DOUBLE,            -- improvement, the test's unit
            status VARCHAR NOT NULL,     -- improving | stagnant | declining | not tested
            streak INTEGER NOT NULL,     -- consecutive reassessments without improvement
            action VARCHAR NOT NULL,     -- keep | volume | frequency | intensity
            level INTEGER NOT NULL,      -- intensification level of the test's modality, 0-3
            frbi DOUBLE,                 -- FRBI on test_date (project's definition)
            cut DOUBLE NOT NULL,         -- load cut the FRBI rule triggered, fraction (0 = none)
            cut_days INTEGER NOT NULL,
            assessed_at TIMESTAMP NOT NULL,
            PRIMARY KEY (athlete_id, test_date, test)
        )""",
        "ALTER TABLE planned_exercises ADD COLUMN duration_min DOUBLE",  # timed items (runs, holds), min
        "ALTER TABLE planned_exercises ADD COLUMN intensity VARCHAR",    # e.g. "64-76 % HRmax"
    ],
    # 7: each athlete's time zone (the team setting time_zone, UTC when unset), and activities as
    # every page reads them: start_time, stored in UTC, in that zone, so days and clocks are local
    [
        """CREATE VIEW athlete_time_zones AS
           SELECT p.athlete_id, coalesce(json_extract_string(t.settings, '$.time_zone'), 'UTC') AS time_zone
           FROM athletes p LEFT JOIN load_settings t ON t.team = coalesce(p.team, '')""",
        """CREATE VIEW activities_local AS
           SELECT a.* REPLACE (timezone(z.time_zone, timezone('UTC', a.start_time)) AS start_time)
           FROM activities a JOIN athlete_time_zones z USING (athlete_id)""",
    ],
    # 8: hosted mode: the coaches who may log in and the teams each may see (engine.store.access),
    # and signed read-only links to one athlete
    [
        """CREATE TABLE coaches (
            email VARCHAR PRIMARY KEY,      -- the login's e-mail, lower case
            teams VARCHAR[] NOT NULL,       -- teams this coach sees ('' = athletes without a team)
            is_admin BOOLEAN NOT NULL,      -- sees and may change every team
            added_at TIMESTAMP NOT NULL
        )""",
        """CREATE TABLE athlete_links (
            link_id INTEGER PRIMARY KEY,
            athlete_id INTEGER NOT NULL,
            created_by VARCHAR NOT NULL,
            created_at TIMESTAMP NOT NULL,
            expires_at TIMESTAMP NOT NULL,
            revoked_at TIMESTAMP
        )""",
    ],
    # 9: who logged an import (a coach's login; NULL in local mode), so that a rejected file, which
    # names no athlete, is seen by the coach who sent it and not by every coach
    [
        "ALTER TABLE imports ADD COLUMN imported_by VARCHAR",
    ],
    # 10: model training as jobs that a worker runs outside any browser session (engine.store.jobs)
    [
        """CREATE TABLE jobs (
            job_id INTEGER PRIMARY KEY,
            kind VARCHAR NOT NULL,          -- the model kind (engine.models.kinds.KINDS)
            quick BOOLEAN NOT NULL,         -- the kind's quick parameters (tests, smoke runs)
            state VARCHAR NOT NULL,         -- queued, running, done, failed, cancelled
            step INTEGER NOT NULL,          -- progress: step of total (the trainer's epochs)
            total INTEGER NOT NULL,
            message VARCHAR NOT NULL,       -- the outcome in one line ("v3", the reason it failed)
            requested_by VARCHAR,           -- the coach's login (NULL: local mode, the CLI)
            queued_at TIMESTAMP NOT NULL,
            started_at TIMESTAMP,
            ended_at TIMESTAMP,
            cancel_requested BOOLEAN NOT NULL
        )""",
    ],
    # 11: a job trains a kind ("train") or runs its long evaluation ("evaluate": evaluate KIND --full)
    [
        "ALTER TABLE jobs ADD COLUMN task VARCHAR DEFAULT 'train'",
    ],
]

SCHEMA_VERSION = len(MIGRATIONS)
