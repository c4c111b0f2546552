"""The HR kind's Trainer (engine.models.contract): its runs, the FitRec nets and baselines, their
held-out evaluation and the ONNX export."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd

from engine.hr import evaluate as scoring
from engine.hr import fitted as fitting
from engine.hr.dataset import INPUT_UNITS, MIN_RUNS, ROUTE_INPUTS, STEP_M, STEP_S, TIME_INPUTS, HrData, build
from engine.hr.fitted import HrModel
from engine.hr.model import Params
from engine.models.contract import Description, Evaluation, Input, ModelCard
from engine.models.registry import fingerprint as hash_rows
from engine.store.db import Store

KIND = "hr"
HEADLINE = "hr_mae_bpm"
LOWER_IS_BETTER = True
MODELS = ["fitrec"]
BASELINES = fitting.BASELINES
FULL = False    # one dataset, one split: the full evaluation is the spread over seeds alone
load = HrModel.load
fit = fitting.fit


def make_params(quick: bool) -> Params:
    return Params.quick() if quick else Params()


def prepare(store: Store, quick: bool) -> HrData:
    """The store's runs, split per athlete by time (NotEnoughData, naming the athlete, when too few)."""
    return build(store)


def fingerprint(data: HrData) -> str:
    return hash_rows(pd.DataFrame({"activity_id": [r.activity_id for r in data.train],
                                   "steps": [len(r.time_x) for r in data.train],
                                   "hr_sum": [float(np.nansum(r.hr_bpm)) for r in data.train]}))


def evaluate(fitted: HrModel, data: HrData) -> Evaluation:
    """Every model on the test runs (each athlete's latest 10 %)."""
    results, extra = scoring.evaluate(fitted, data, "db")
    details = {k: v for k, v in extra.items() if k not in ("n_train", "n_test", "predict_ms_per_item")}
    return Evaluation(tuple(results), extra["n_train"], extra["n_test"], extra["predict_ms_per_item"], details)


def describe(data: HrData, evaluation: Evaluation, train_s: float) -> Description:
    scaling = "standard, training runs' mean and SD"
    return Description(
        inputs=tuple(Input(f, INPUT_UNITS[f], scaling, f"time, {STEP_S:g} s") for f in TIME_INPUTS)
        + tuple(Input(f, INPUT_UNITS[f], scaling, f"distance, {STEP_M:g} m (speed model)") for f in ROUTE_INPUTS),
        outputs={"hr_bpm": f"heart rate per {STEP_S:g} s step", "speed_kmh": f"moving speed per {STEP_M:g} m",
                 "population": f"athletes with fewer than {MIN_RUNS} runs are predicted without an athlete "
                               "embedding"},
        description=(f"HR (per {STEP_S:g} s) and speed (per {STEP_M:g} m) curves of a run from its route, its "
                     f"athlete and their previous run (FitRec). Trained on {evaluation.n_train:,} runs of "
                     f"{evaluation.details['n_athletes']} athletes in {train_s:.0f} s; tested on "
                     f"{evaluation.n_test:,} runs (each athlete's latest 10 %). short_term forecasts the next 10 s "
                     "of HR for the ease-off warning (against last_value: the last HR again); route_rank ranks "
                     "each test run's route among 100 random ones (against random)."),
        reading="Errors (_bpm, _kmh): lower is better. Ratios (auc, hit_at_10, ndcg_at_10, warning_f1_*): higher "
                "is better.")


def full(_data: HrData, card: ModelCard, progress=None) -> tuple[list, dict]:
    return [], {}


CURVE_INPUTS = {"steps": "float32 [batch, steps, n_inputs] raw units (time_inputs or route_inputs order)",
                "context": "float32 [batch, context_steps, n_inputs + 1]: the previous run's inputs and target, "
                           "every 6th time step / 4th route point",
                "athlete": "int64 [batch]: index in the card's athletes + 1 (0 = unknown athlete)",
                "sport": "int64 [batch]: index in the card's sports + 1 (0 = unknown)",
                "sex": "float32 [batch]: 1 female, 0 male, 0.5 unknown",
                "calendar": "float32 [batch, 8]: weekday one-hot (Monday first), days since the previous run / 7"}
SHORT_INPUTS = {"window": "float32 [batch, 10, 3]: the last 10 steps of 10 s: HR bpm, speed km/h, altitude m",
                "athlete": "int64 [batch]: as for the curve models"}
PARITY_RUNS = 12


def _curve_feed(item) -> dict:
    return {"steps": item.x[None], "context": item.context[None], "athlete": np.array([item.athlete], np.int64),
            "sport": np.array([item.sport], np.int64), "sex": np.array([item.sex], np.float32),
            "calendar": item.calendar[None]}


def export(store: Store, out: Path, fitted: HrModel, card: ModelCard) -> list[dict]:
    """Write out/hr/<model>.onnx, .card.json and .parity.json for `fitrec` (HR curve), `speed`
    (its speed twin) and `short_term`. The curve models take a
    dynamic number of steps; parity is checked one test run at a time (batch 1: a batch must hold
    runs of equal length, the context's last step is read)."""
    import torch

    from engine.hr.model import SHORT_WINDOW, encode, windows
    from engine.models.onnx_export import ONNX_OPSET, export_torch_inputs, regression_parity, write_parity

    data = build(store)
    runs = data.test[:PARITY_RUNS]
    directory = out / KIND
    directory.mkdir(parents=True, exist_ok=True)
    records = []
    for name, net, target in (("fitrec", fitted.hr_net, "hr"), ("speed", fitted.speed_net, "speed")):
        items = [encode(r, data.previous[r.activity_id], fitted.vocab, target, fitted.fill(target)) for r in runs]
        feeds = [_curve_feed(i) for i in items]
        example = {k: torch.from_numpy(v) for k, v in feeds[0].items()}
        axes = {"steps": {0: "batch", 1: "steps"}, "context": {0: "batch", 1: "context_steps"}, "athlete": {0: "batch"},
                "sport": {0: "batch"}, "sex": {0: "batch"}, "calendar": {0: "batch"}, target: {0: "batch", 1: "steps"}}
        export_torch_inputs(net, example, target, axes, directory / f"{name}.onnx")
        with torch.no_grad():
            refs = [net(*(torch.from_numpy(v) for v in f.values())).numpy() for f in feeds]
        records.append((regression_parity(name, directory / f"{name}.onnx", feeds, refs), CURVE_INPUTS, target))
    w, _, a, _ = windows(runs)
    athletes = np.array([fitted.vocab.athlete(i) for i in a], dtype=np.int64)
    example = {"window": torch.from_numpy(w[:2]), "athlete": torch.from_numpy(athletes[:2])}
    export_torch_inputs(fitted.short_net, example, "hr_next_bpm",
                        {"window": {0: "batch"}, "athlete": {0: "batch"}, "hr_next_bpm": {0: "batch"}},
                        directory / "short_term.onnx")
    with torch.no_grad():
        ref = fitted.short_net(torch.from_numpy(w), torch.from_numpy(athletes)).numpy()
    records.append((regression_parity("short_term", directory / "short_term.onnx",
                                      [{"window": w, "athlete": athletes}], [ref]), SHORT_INPUTS, "hr_next_bpm"))
    for record, inputs, output in records:
        write_parity(record, directory / f"{record['model']}.parity.json")
        (directory / f"{record['model']}.card.json").write_text(json.dumps({
            **card.to_json(), "onnx": {"model": record["model"], "inputs": inputs, "output": output,
                                       "opset": ONNX_OPSET, "window_steps": SHORT_WINDOW}}, indent=2, default=float))
    return [r for r, _, _ in records]
