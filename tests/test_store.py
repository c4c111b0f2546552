"""Schema, migrations and the connection."""
import duckdb
import pytest

from engine.store.db import Store, migrate
from engine.store.schema import MIGRATIONS, SCHEMA_VERSION


def _version(con):
    return con.execute("SELECT max(version) FROM schema_version").fetchone()[0]


def test_new_database_has_schema_and_catalog(store):
    with store.cursor() as cur:
        assert _version(cur) == SCHEMA_VERSION
        assert cur.execute("SELECT count(*) FROM exercises WHERE NOT is_custom").fetchone()[0] == 873
        bench = cur.execute("SELECT primary_muscles, equipment FROM exercises "
                            "WHERE name = 'Barbell Bench Press - Medium Grip'").fetchone()
    assert bench == (["chest"], "barbell")


def test_reopening_keeps_data_and_does_not_reseed(tmp_path):
    path = tmp_path / "c.duckdb"
    s = Store(path)
    with s.transaction() as cur:
        cur.execute("INSERT INTO athletes (athlete_id, name) VALUES (1, 'Ada')")
    s.close()
    s = Store(path)
    assert s.query("SELECT name FROM athletes")["name"].tolist() == ["Ada"]
    assert s.query("SELECT count(*) AS n FROM exercises")["n"][0] == 873
    s.close()


def test_older_database_is_upgraded_in_order(tmp_path):
    path = str(tmp_path / "old.duckdb")
    con = duckdb.connect(path)
    assert migrate(con, MIGRATIONS[:1]) == 1
    con.execute("INSERT INTO athletes (athlete_id, name) VALUES (1, 'Ada')")
    newer = MIGRATIONS + [["ALTER TABLE athletes ADD COLUMN nickname VARCHAR",
                           "UPDATE athletes SET nickname = 'A'"]]
    assert migrate(con, newer) == len(newer)
    assert con.execute("SELECT name, nickname FROM athletes").fetchall() == [("Ada", "A")]
    assert con.execute("SELECT version FROM data_version").fetchall() == [(0,)]  # migration 2 ran on old data
    assert [r[0] for r in con.execute("SELECT version FROM schema_version ORDER BY 1").fetchall()] == \
        list(range(1, len(newer) + 1))
    con.close()


def test_failed_migration_rolls_back_and_keeps_version(tmp_path):
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    migrate(con)
    broken = MIGRATIONS + [["ALTER TABLE athletes ADD COLUMN nickname VARCHAR", "SELECT * FROM no_such_table"]]
    with pytest.raises(duckdb.Error):
        migrate(con, broken)
    assert _version(con) == SCHEMA_VERSION
    columns = [r[0] for r in con.execute("DESCRIBE athletes").fetchall()]
    assert "nickname" not in columns
    con.close()


def test_transaction_rolls_back_on_error(store):
    with pytest.raises(RuntimeError):
        with store.transaction() as cur:
            cur.execute("INSERT INTO athletes (athlete_id, name) VALUES (1, 'Ada')")
            raise RuntimeError("boom")
    assert store.query("SELECT count(*) AS n FROM athletes")["n"][0] == 0


def test_every_committed_write_bumps_the_data_version(store):
    before = store.data_version()
    with store.transaction() as cur:
        cur.execute("INSERT INTO athletes (athlete_id, name) VALUES (1, 'Ada')")
    assert store.data_version() == before + 1
    with pytest.raises(RuntimeError), store.transaction() as cur:
        cur.execute("INSERT INTO athletes (athlete_id, name) VALUES (2, 'Bo')")
        raise RuntimeError("boom")
    assert store.data_version() == before + 1


def test_demo_squad_is_written_in_one_go_and_only_into_an_empty_database(store):
    import datetime as dt

    from engine.demo import DemoConfig, write_demo
    from engine.store import queries

    counts = write_demo(store, DemoConfig(athletes=3, weeks=2, seed=3, end_date=dt.date(2026, 1, 31)))
    stored = queries.counts(store)
    for table in ["athletes", "activities", "samples", "strength_sets", "fitness_tests", "wellness"]:
        assert stored[table] == counts[table] > 0
    assert stored["fitness_cohort"] == 6698
    assert queries.imports(store)["kind"].tolist() == ["demo"]
    with pytest.raises(ValueError, match="already holds 3 athletes"):
        write_demo(store, DemoConfig(athletes=3, weeks=2, seed=3))
    assert queries.counts(store) == stored
