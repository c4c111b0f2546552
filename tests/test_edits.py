"""A coach's edits to sessions: validated, one transaction, and every load follows."""
import datetime as dt

import pytest

from engine.load import report
from engine.store import queries
from engine.store.edits import InvalidEdit, set_srpe, update_session
from engine.store.imports import import_file

LIFTS = (b"date,exercise,set,weight_kg,reps,duration_min\n"
         b"2024-05-01 18:00,Back Squat,1,100,5,50\n2024-05-03 18:00,Back Squat,1,100,5,40\n"
         b"2024-05-05 18:00,Back Squat,1,100,5,30\n")


@pytest.fixture
def lifter(store):
    assert import_file(store, "lifts.csv", LIFTS, athlete="Eva", create=True).status == "imported"
    return store


def _load_on(store, day):
    daily = report.daily_metrics(store, dt.date(2024, 5, 6), 1)
    return daily.set_index("day").loc[str(day), "load_au"]


def test_editing_rpe_and_duration_changes_the_load_at_once(lifter):
    first = int(queries.activities(lifter).sort_values("start_time")["activity_id"].iloc[0])
    assert update_session(lifter, first, srpe=7, duration_s=3600, note="  felt heavy ") == {
        "srpe": 7.0, "duration_s": 3600.0, "note": "felt heavy"}
    row = queries.activities(lifter).set_index("activity_id").loc[first]
    assert (row["srpe"], row["duration_s"], row["note"]) == (7.0, 3600.0, "felt heavy")
    assert _load_on(lifter, dt.date(2024, 5, 1)) == pytest.approx(7 * 60)
    assert report.session_loads(lifter).set_index("activity_id").loc[first, "source"] == "srpe"
    update_session(lifter, first, srpe=None, note="")
    row = queries.activities(lifter).set_index("activity_id").loc[first]
    assert row["srpe"] != row["srpe"] and row["note"] is None  # NaN: cleared


@pytest.mark.parametrize("changes, reason", [
    ({"srpe": 11}, "session RPE must be between 0 and 10"),
    ({"srpe": "hard"}, "session RPE must be a number"),
    ({"duration_s": 0}, "duration must be between 1 and 86400"),
    ({"note": "x" * 2001}, "at most 2,000"),
    ({"athlete_id": 2}, "not a session field: athlete_id"),
])
def test_a_bad_edit_is_refused_and_changes_nothing(lifter, changes, reason):
    before = queries.activities(lifter)
    version = lifter.data_version()
    with pytest.raises(InvalidEdit, match=reason):
        update_session(lifter, 1, **changes)
    assert lifter.data_version() == version
    assert queries.activities(lifter).equals(before)


def test_srpe_for_many_sessions_at_once(lifter):
    ids = queries.activities(lifter)["activity_id"].tolist()
    assert set_srpe(lifter, 1, {ids[0]: 5, ids[1]: 6.5}) == 2
    assert queries.activities(lifter).set_index("activity_id").loc[[ids[0], ids[1]], "srpe"].tolist() == [5.0, 6.5]
    with pytest.raises(InvalidEdit, match="between 0 and 10"):
        set_srpe(lifter, 1, {ids[2]: 4, ids[0]: 12})  # one bad value: nothing is written
    assert queries.activities(lifter).set_index("activity_id").loc[ids[2], "srpe"] != 4
    with pytest.raises(InvalidEdit, match="not sessions of this athlete: 99"):
        set_srpe(lifter, 1, {99: 5})
    with pytest.raises(InvalidEdit, match="no session with id 99"):
        update_session(lifter, 99, srpe=5)
