"""Team scoping is enforced in the store: coach A can neither read nor change coach B's athletes
through any public store function (engine.store.*), and a signed link is read-only."""
import datetime as dt
import importlib
import inspect
import pkgutil

import pandas as pd
import pytest

import engine.store as store_package
from engine.demo import DemoConfig, write_demo
from engine.load.settings import LoadSettings
from engine.store import access, jobs
from engine.store.db import Store

END = dt.date(2026, 3, 1)
SECRET = "test-link-secret"


@pytest.fixture(scope="module")
def demo_path(tmp_path_factory):
    path = tmp_path_factory.mktemp("scope") / "scope.duckdb"
    store = Store(path)
    write_demo(store, DemoConfig(athletes=6, weeks=3, seed=4, end_date=END))
    store.close()
    return path


@pytest.fixture
def world(demo_path, tmp_path):
    """A copy of the demo: coach A sees the first athlete's team; B is an athlete of another team."""
    path = tmp_path / "w.duckdb"
    path.write_bytes(demo_path.read_bytes())
    store = Store(path)
    athletes = store.query("SELECT athlete_id, name, coalesce(team, '') AS team FROM athletes ORDER BY athlete_id")
    team_a = athletes["team"].iloc[0]
    b = athletes[athletes["team"] != team_a].iloc[0]
    b_activity = int(store.query("SELECT min(activity_id) AS a FROM activities WHERE athlete_id = ?",
                                 [int(b.athlete_id)])["a"].iloc[0])
    b_strength = store.query("SELECT min(session_id) AS s FROM strength_sets WHERE athlete_id = ?",
                             [int(b.athlete_id)])["s"].iloc[0]
    scope = access.Scope("a@example.org", frozenset({team_a}))
    token = access.create_link(store, SECRET, int(b.athlete_id), 7, "b@example.org")   # coach B's link
    job = jobs.queue(store, "fitness", requested_by="b@example.org")
    yield {"b_token": token, "b_link": 1, "b_job": job.job_id, "store": store, "a": access.scoped(store, scope),
           "team_a": team_a, "b": int(b.athlete_id), "b_name": b["name"], "b_team": b["team"], "b_activity": b_activity,
           "b_session": int(b_strength) if pd.notna(b_strength) else b_activity}
    store.close()


def _snapshot(store: Store) -> dict[str, tuple]:
    """Count and hash of every base table: equal before and after means nothing changed."""
    tables = store.query("SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' "
                         "AND table_catalog = current_database() AND table_name <> 'data_version'")["table_name"]
    return {t: tuple(store.query(f'SELECT count(*) AS n, coalesce(sum(hash(t)), 0) AS h FROM "{t}" t').iloc[0])
            for t in tables}


# every public store function: (kind, arguments with coach B's athlete, session or team)
PLAN_ROWS = pd.DataFrame({"day": [END + dt.timedelta(days=1)], "exercise_id": ["Pullups"], "sets": [3],
                          "reps_low": [8], "reps_high": [12], "weight_low_kg": [None], "weight_high_kg": [None],
                          "rest_s": [120.0], "load_au": [40.0]})
CALLS = {
    "access.add_coach": ("write", lambda w: (["b@example.org", [w["b_team"]]], {"admin": True})),
    "access.coach_scope": ("read", lambda w: (["b@example.org"], {})),
    "access.coaches": ("read", lambda w: ([], {})),
    "access.create_link": ("write", lambda w: ([SECRET, w["b"], 7, "a@example.org"], {})),
    "access.link_scope": ("read", lambda w: ([SECRET, w["b_token"]], {})),
    "access.links": ("read", lambda w: ([], {})),
    "access.require_whole": ("refused", lambda w: (["not saved"], {})),
    "access.revoke_link": ("write", lambda w: ([w["b_link"]], {})),
    "access.whole": ("read", lambda w: ([], {})),
    "backup.backup_store": ("refused", lambda w: ([w["store"].path.parent / "a.zip"], {})),
    "app_settings.get": ("read", lambda w: (["map_tiles"], {})),
    "app_settings.set": ("write", lambda w: (["map_tiles", "OpenStreetMap"], {})),
    "assessments.assessments": ("read", lambda w: ([None, "who", w["b"]], {})),
    "assessments.latest_deficiencies": ("read", lambda w: ([w["b"]], {})),
    "assessments.reassessments": ("read", lambda w: ([w["b"]], {})),
    "assessments.replace_reassessments": ("write", lambda w: ([w["b"], pd.DataFrame()], {})),
    "assessments.save_assessments": ("write", lambda w: ([pd.DataFrame({
        "athlete_id": [w["b"]], "test_date": [END], "model_version": [1], "cutoffs": ["who"],
        "predicted_class": ["normal"], "probabilities": [[0.1, 0.7, 0.1, 0.1]], "shap": [[0.1, -0.2]],
        "deficiencies": [["pullups"]]})], {})),
    "athletes.update_profile": ("write", lambda w: ([w["b"]], {"mass_kg": 99.0})),
    "edits.set_srpe": ("write", lambda w: ([w["b"], {w["b_activity"]: 9.0}], {})),
    "edits.update_session": ("write", lambda w: ([w["b_activity"]], {"srpe": 9.0})),
    "imports.import_file": ("write", lambda w: (["w.csv", b"date,srpe\n2026-02-20,7\n"], {"athlete": w["b_name"]})),
    "imports.import_files": ("write", lambda w: ([[("w.csv", b"date,srpe\n2026-02-20,7\n")]],
                                                 {"athlete": w["b_name"]})),
    "imports.import_source": ("write", lambda w: ([__import__("io").BytesIO(b"date,srpe\n2026-02-20,7\n")],
                                                  {"file_name": "w.csv", "athlete": w["b_name"]})),
    "imports.reject": ("write", lambda w: (["w.csv", "too large"], {})),   # logs a row naming no athlete
    "jobs.active": ("read", lambda w: ([], {})),
    "jobs.cancel": ("refused", lambda w: ([w["b_job"]], {})),
    "jobs.claim": ("write", lambda w: ([], {})),
    "jobs.fail_abandoned": ("write", lambda w: ([], {})),
    "jobs.finish": ("write", lambda w: ([w["b_job"], "failed", "by coach A"], {})),
    "jobs.get": ("read", lambda w: ([w["b_job"]], {})),
    "jobs.latest": ("read", lambda w: ([], {})),
    "jobs.queue": ("refused", lambda w: (["hr"], {})),
    "jobs.recent": ("read", lambda w: ([], {})),
    "jobs.report": ("refused", lambda w: ([w["b_job"], 1, 2], {})),
    "loads.hr_seconds": ("read", lambda w: ([[w["b"]], 30.0], {})),
    "loads.morning_hr": ("read", lambda w: ([], {})),
    "loads.planned_days": ("read", lambda w: ([w["b"]], {})),
    "loads.save_plan": ("write", lambda w: ([w["b"], END, [100.0] * 7], {})),
    "loads.save_settings_json": ("write", lambda w: ([w["b_team"], LoadSettings(acwr_high=1.9).to_dict()], {})),
    "loads.sessions": ("read", lambda w: ([w["b"]], {})),
    "loads.settings_json": ("read", lambda w: ([], {})),
    "plans.planned_exercises": ("read", lambda w: ([w["b"]], {})),
    "plans.remove_planned_exercise": ("write", lambda w: ([w["b"], END, "Pullups"], {})),
    "plans.save_planned_exercises": ("write", lambda w: ([w["b"], PLAN_ROWS, "split"], {})),
    "queries.activities": ("read", lambda w: ([w["b"]], {})),
    "queries.activity_days": ("read", lambda w: ([w["b"]], {})),
    "queries.athletes": ("read", lambda w: ([], {})),
    "queries.counts": ("read", lambda w: ([], {})),
    "queries.exercise_log": ("read", lambda w: ([w["b"]], {})),
    "queries.exercises": ("read", lambda w: ([], {})),
    "queries.fitness_tests": ("read", lambda w: ([w["b"]], {})),
    "queries.imports": ("read", lambda w: ([], {})),
    "queries.last_session_day": ("read", lambda w: ([END], {})),
    "queries.samples": ("read", lambda w: ([w["b_activity"]], {})),
    "queries.squad_summary": ("read", lambda w: ([END], {})),
    "queries.strength_sessions": ("read", lambda w: ([w["b"]], {})),
    "queries.strength_sets": ("read", lambda w: ([w["b"]], {})),
    "queries.training_days": ("read", lambda w: ([w["b"]], {})),
    "queries.wellness": ("read", lambda w: ([w["b"]], {})),
    "queries.working_sets_by_session": ("read", lambda w: ([], {})),
    "sessions.activity": ("read", lambda w: ([w["b_activity"]], {})),
    "sessions.earlier_sets": ("read", lambda w: ([w["b_session"]], {})),
    "sessions.laps": ("read", lambda w: ([w["b_activity"]], {})),
    "sessions.strength_sets": ("read", lambda w: ([w["b_session"]], {})),
}
NOT_STORE_ACCESS = {"access.scoped"}   # builds the scoped store itself


def _public_store_functions() -> list[str]:
    names = []
    for module in pkgutil.iter_modules(store_package.__path__):
        mod = importlib.import_module(f"engine.store.{module.name}")
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            params = list(inspect.signature(fn).parameters)
            if fn.__module__ == mod.__name__ and not name.startswith("_") and params[:1] == ["store"]:
                names.append(f"{module.name}.{name}")
    return sorted(set(names) - NOT_STORE_ACCESS)


def test_every_public_store_function_is_checked():
    assert sorted(CALLS) == _public_store_functions()


def _holds_b(result, w) -> bool:
    """Whether a read's result shows anything of athlete B (their id, activities, name or team)."""
    if isinstance(result, pd.DataFrame):
        for column, value in [("athlete_id", w["b"]), ("activity_id", w["b_activity"]), ("session_id", w["b_session"]),
                              ("name", w["b_name"]), ("email", "b@example.org")]:
            if column in result and (result[column] == value).any():
                return True
        return any(t == w["b_team"] for t in result.get("team", [])) if w["b_team"] != w["team_a"] else False
    if isinstance(result, dict):
        return w["b_team"] in result or any(_holds_b(v, w) for v in result.values() if isinstance(v, pd.DataFrame))
    return False


@pytest.mark.parametrize("name", sorted(CALLS))
def test_coach_a_cannot_read_or_change_coach_bs_athletes(world, name):
    kind, make_args = CALLS[name]
    module, function = name.split(".")
    fn = getattr(importlib.import_module(f"engine.store.{module}"), function)
    args, kwargs = make_args(world)
    if kind == "refused":
        with pytest.raises(ValueError):
            fn(world["a"], *args, **kwargs)
        return
    before = _snapshot(world["store"])
    try:
        result = fn(world["a"], *args, **kwargs)
    except ValueError:       # every domain refusal (AccessDenied, InvalidEdit, PlanError, ...) is one
        result = None
    if kind == "read":
        assert not _holds_b(result, world), name
    else:
        after = _snapshot(world["store"])
        changed = {t for t in before if before[t] != after.get(t)}
        if module == "imports":   # the refused file is logged as rejected, naming no athlete
            logged = world["store"].query("SELECT athlete_id, status FROM imports ORDER BY import_id DESC LIMIT 1")
            assert logged["status"].iloc[0] == "rejected" and logged["athlete_id"].isna().all()
            changed -= {"imports"}
        assert not changed, (name, changed)


def test_coach_a_still_reads_and_changes_their_own_athletes(world):
    from engine.store import loads, queries
    a, store = world["a"], world["store"]
    mine = queries.athletes(a)
    assert set(mine["team"].fillna("")) == {world["team_a"]} and len(mine) < len(queries.athletes(store))
    own = int(mine["athlete_id"].iloc[0])
    loads.save_plan(a, own, END, [100.0] * 7)
    assert len(loads.planned_days(store, own).query("planned_au == 100")) == 7
    with pytest.raises(access.OutOfScope):                    # moving an athlete to a team A does not see
        from engine.store.athletes import update_profile
        update_profile(a, own, team=world["b_team"])


def test_an_athlete_a_coach_creates_by_import_joins_the_coachs_team(world, samples_dir):
    from engine.store import queries
    from engine.store.imports import import_file
    gpx = samples_dir / "gpx" / "strava_export.gpx"
    result = import_file(world["a"], gpx.name, gpx.read_bytes(), athlete="Newcomer", create=True)
    assert result.status == "imported"
    newcomer = queries.athletes(world["a"]).set_index("name").loc["Newcomer"]
    assert newcomer["team"] == world["team_a"]


def test_a_signed_link_scope_reads_one_athlete_and_writes_nothing(world):
    from engine.store import loads, queries
    link = access.scoped(world["store"], access.Scope("link 1", athlete_id=world["b"], read_only=True))
    assert queries.athletes(link)["athlete_id"].tolist() == [world["b"]]
    assert set(queries.activities(link)["athlete_id"]) == {world["b"]}
    with pytest.raises(access.ReadOnly):
        loads.save_plan(link, world["b"], END, [1.0] * 7)


def test_athlete_links_are_signed_expire_and_can_be_revoked(world, today):
    store = world["store"]
    scope = access.link_scope(store, SECRET, world["b_token"])
    assert scope.athlete_id == world["b"] and scope.read_only
    tampered = world["b_token"][:-2] + ("AA" if not world["b_token"].endswith("AA") else "BB")
    for token, secret in [(tampered, SECRET), (world["b_token"], "another-secret"), ("garbage", SECRET)]:
        with pytest.raises(access.LinkInvalid, match="^link invalid or expired$"):
            access.link_scope(store, secret, token)
    with store.transaction() as cur:                       # past its expiry
        cur.execute("UPDATE athlete_links SET expires_at = ? WHERE link_id = 1",
                    [dt.datetime.combine(today, dt.time()) - dt.timedelta(minutes=1)])
    with pytest.raises(access.LinkInvalid):
        access.link_scope(store, SECRET, world["b_token"])
    fresh = access.create_link(store, SECRET, world["b"], 1, "b@example.org")
    assert access.link_scope(store, SECRET, fresh).athlete_id == world["b"]
    listed = access.links(store)
    assert listed["status"].tolist() == ["active", "expired"]
    access.revoke_link(store, int(listed["link_id"].iloc[0]))
    with pytest.raises(access.LinkInvalid):
        access.link_scope(store, SECRET, fresh)
    assert access.links(store)["status"].tolist() == ["revoked", "expired"]


def test_a_rejected_file_is_seen_by_the_coach_who_sent_it_only(world):
    from engine.store import queries
    from engine.store.imports import import_file
    team_b = access.scoped(world["store"], access.Scope("b@example.org", frozenset({world["b_team"]})))
    result = import_file(team_b, "broken.gpx", b"<gpx>not a track", athlete=world["b_name"])
    assert result.status == "rejected"
    assert "broken.gpx" in queries.imports(team_b)["file_name"].tolist()
    assert "broken.gpx" not in queries.imports(world["a"])["file_name"].tolist()
    assert "broken.gpx" in queries.imports(world["store"])["file_name"].tolist()     # local mode sees every row


def test_only_the_whole_database_trains_models(world):
    """Models are shared by every team: a coach's scoped store may not register one (and writes
    nothing, not even the version's directory); the local store may."""
    from engine.models import registry
    from engine.models.contract import ModelCard, Result

    class Saved:                                   # the least a fitted model does: save its files
        def save(self, directory):
            (directory / "weights.txt").write_text("1")

    card = ModelCard(kind="demo_kind", version=0, trained_at="", data_fingerprint="ff", params={}, quick=True,
                     models=("m",), baselines=("b",), headline_metric="mae_kg", lower_is_better=True,
                     metrics=(Result("db", "m", "mae_kg", 1.0), Result("db", "b", "mae_kg", 2.0)), train_s=0.1,
                     predict_ms_per_item=0.1, n_train=1, n_test=1, inputs=(), outputs={}, description="",
                     reading="", details={})
    before = _snapshot(world["store"])
    with pytest.raises(access.AdminOnly, match="only an admin"):
        registry.register(world["a"], Saved(), card)
    assert _snapshot(world["store"]) == before and not (registry.models_dir(world["store"]) / "demo_kind").exists()
    assert registry.register(world["store"], Saved(), card).version == 1


def test_app_wide_settings_are_the_admins(world):
    from engine.store import app_settings
    with pytest.raises(access.AdminOnly, match="map_tiles was not saved"):
        app_settings.set(world["a"], "map_tiles", "OpenStreetMap")
    app_settings.set(world["store"], "map_tiles", "OpenStreetMap")
    assert app_settings.get(world["a"], "map_tiles") == "OpenStreetMap"     # every coach reads it
