"""The HR models in the app (AppTest): the session view's prediction overlay with its pace slider,
other route and ease-off timeline, and the Routes page's finder, on a small demo squad with a
really trained (quick) HR model."""
import base64
import datetime as dt

import numpy as np
import plotly.io
import pytest
from streamlit.testing.v1 import AppTest

from engine.demo import DemoConfig, write_demo
from engine.hr import predict
from engine.models import driver
from engine.store.db import Store, open_store

CONFIG = DemoConfig(athletes=4, weeks=6, seed=3, end_date=dt.date(2026, 6, 30))


@pytest.fixture(scope="module")
def trained_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("hr_app") / "coach.duckdb"
    store = Store(path)
    write_demo(store, CONFIG)
    driver.train(store, "hr", quick=True)
    store.close()
    return path


@pytest.fixture
def app(trained_db, monkeypatch):
    monkeypatch.setenv("COACH_DB", str(trained_db))
    return AppTest.from_file("../dashboard/app.py", default_timeout=120)


def _latest_run(path) -> int:
    s = open_store(path)
    ids = [r.activity_id for r in predict.all_runs(s)]
    return max(ids)


def _traces(chart) -> list:
    return list(plotly.io.from_json(chart.proto.spec).data)


def _values(array) -> np.ndarray:
    """A trace's x or y: plotly writes numpy arrays as base64 ({"dtype", "bdata"})."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).astype(float)
    return np.asarray(array, dtype=float)


def _open_session(app, activity_id):
    app.run()
    app.switch_page("../pages/session.py")
    app.query_params["activity"] = str(activity_id)
    return app.run()


def test_session_view_draws_predicted_over_real_hr_and_redraws_for_pace_and_route(app, trained_db):
    activity_id = _latest_run(trained_db)
    at = _open_session(app, activity_id)
    assert not at.exception
    assert any(h.value == "Predicted by the HR model" for h in at.subheader)
    expected = predict.session_prediction(open_store(trained_db), activity_id)
    shown = next(m for m in at.metric if m.label == "HR error, this run")
    assert shown.value == f"{expected.hr_mae_bpm:,.1f} bpm"
    chart = next(c for c in at.get("plotly_chart") if "Heart rate: real and predicted" in c.proto.spec)
    names = [t.name for t in _traces(chart)]
    assert names[:2] == ["Real HR", "Predicted from the route and pace"]
    predicted = _values(_traces(chart)[1].y)
    assert np.allclose(predicted, expected.time["hr_pred_bpm"], atol=1e-6)

    at.slider(key="hr_pace").set_value(10).run()
    assert not at.exception
    chart = next(c for c in at.get("plotly_chart") if "Heart rate: real and predicted" in c.proto.spec)
    what_if = next(t for t in _traces(chart) if t.name == "This route at +10 % pace")
    assert _values(what_if.x)[-1] < _values(_traces(chart)[1].x)[-1]  # faster: the same route ends sooner

    other = next(r for r in predict.routes(open_store(trained_db)) if r.route_id != 0)
    at.selectbox(key="hr_route").set_value(other.route_id).run()
    assert not at.exception
    chart = next(c for c in at.get("plotly_chart") if "Heart rate: real and predicted" in c.proto.spec)
    assert any(t.name == f"On {other.label} at +10 % pace" for t in _traces(chart))


def test_session_view_shows_where_the_ease_off_warning_fires(app, trained_db):
    activity_id = _latest_run(trained_db)
    at = _open_session(app, activity_id)
    prediction = predict.session_prediction(open_store(trained_db), activity_id)
    for fraction in predict.CEILING_FRACTIONS:
        at.segmented_control(key="hr_ceiling").set_value(fraction).run()
        assert not at.exception
        onsets = predict.ease_off(prediction, fraction)
        caption = next(c.value for c in at.caption if "ease-off warning" in c.value.lower())
        ceiling = f"{fraction * prediction.hr_max_bpm:.0f} bpm"
        assert ceiling in caption
        assert (f"fired {len(onsets)} time" in caption) if len(onsets) else ("would not have fired" in caption)


def test_a_strength_session_has_no_prediction_panel(app, trained_db):
    strength = int(open_store(trained_db).query(
        "SELECT min(activity_id) AS a FROM activities WHERE sport = 'strength'")["a"][0])
    at = _open_session(app, strength)
    assert not at.exception
    assert not any(h.value == "Predicted by the HR model" for h in at.subheader)


def test_without_a_model_the_session_view_offers_to_train(tmp_path, monkeypatch):
    path = tmp_path / "coach.duckdb"
    store = Store(path)
    write_demo(store, CONFIG)
    activity_id = max(r.activity_id for r in predict.all_runs(store))
    store.close()
    monkeypatch.setenv("COACH_DB", str(path))
    at = _open_session(AppTest.from_file("../dashboard/app.py", default_timeout=120), activity_id)
    assert not at.exception
    assert any("No HR model yet" in i.value for i in at.info)
    assert any(b.label == "Train the HR models" for b in at.button)


def test_routes_page_ranks_every_route_against_a_target_and_a_ceiling(app, trained_db):
    s = open_store(trained_db)
    runner = predict.all_runs(s)[0].athlete_id
    at = app.run()
    at.switch_page("../pages/routes.py")
    at.query_params["athlete"] = str(runner)
    at.run()
    assert not at.exception
    ranked = next(d.value for d in at.dataframe if "hr_mean_bpm" in d.value.columns)
    assert len(ranked) == len(predict.routes(s))
    target = at.number_input[1].value
    gaps = (ranked["hr_mean_bpm"] - target).abs()
    assert gaps.iloc[0] == gaps.min()
    every = next(d.value for d in at.dataframe if "runs" in d.value.columns)
    assert every["runs"].sum() == len([r for r in predict.all_runs(s) if np.isfinite(r.lat).all()])

    at.segmented_control(key="route_mode").set_value("ceiling").run()
    assert not at.exception
    ranked = next(d.value for d in at.dataframe if "hr_mean_bpm" in d.value.columns)
    assert ranked["minutes_above"].is_monotonic_increasing


def test_a_read_only_athlete_link_shows_the_prediction_without_the_models_page(trained_db, monkeypatch):
    """A link opens the session's prediction; the models page is not among a link's pages, so the
    panel does not point there."""
    from engine.store import access
    secret = "test-cookie-secret"
    activity_id = _latest_run(trained_db)
    s = Store(trained_db)
    athlete_id = int(s.query("SELECT athlete_id FROM activities WHERE activity_id = ?", [activity_id]).iloc[0, 0])
    token = access.create_link(s, secret, athlete_id, 1, "coach@example.org")
    s.close()
    monkeypatch.setenv("COACH_DB", str(trained_db))
    at = AppTest.from_file("../dashboard/app.py", default_timeout=120)
    at.secrets["auth"] = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": secret,
                          "client_id": "c", "client_secret": "s",
                          "server_metadata_url": "https://idp.example.org/.well-known/openid-configuration"}
    at.query_params["link"] = token
    opened = _open_session(at, activity_id)
    assert not opened.exception
    assert any(h.value == "Predicted by the HR model" for h in opened.subheader)
    assert not [p for p in opened.get("page_link") if "models" in p.proto.page]
