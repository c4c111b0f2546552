"""The fitted HR kind: the FitRec nets (HR and speed), the short-term net and the baselines, with
what they need to predict (vocabulary, scalers), saved into and loaded from a registry version.

Baselines are pickled (scikit-learn and LightGBM objects): the files are only ever written by this
project's own training, beside the database.
"""
from __future__ import annotations

import datetime as dt
import json
import pickle
from dataclasses import asdict, dataclass
from functools import cached_property
from pathlib import Path

import numpy as np
import torch

from engine.hr.baselines import FirstOrder, MeanModel, StepModel
from engine.hr.dataset import ROUTE_INPUTS, TIME_INPUTS, HrData, Run, Scalers, time_inputs
from engine.hr.model import (SHORT_WINDOW, CurveNet, Params, ShortTermNet, Vocab, encode, fit_curve, fit_short,
                             predict_items, predict_short, window_view)

BASELINES = ["global_mean", "athlete_mean", "mlp", "lightgbm", "first_order"]


@dataclass
class HrModel:
    params: Params
    athletes: list[int]
    sports: list[str]
    scalers: Scalers
    hr_net: CurveNet
    speed_net: CurveNet
    short_net: ShortTermNet
    baselines: dict

    @cached_property
    def vocab(self) -> Vocab:
        return Vocab(self.athletes, self.sports)

    def fill(self, target: str) -> float:
        """The training mean of a target (bpm or km/h): a missing reading in a context."""
        return float((self.scalers.hr if target == "hr" else self.scalers.speed).mean[0])

    def knows(self, athlete_id: int) -> bool:
        """The athlete has an embedding (else the population model predicts them)."""
        return athlete_id in self.athletes

    def fitrec(self, runs: list[Run], previous: dict, target: str) -> list[np.ndarray]:
        """FitRec's curve per run on its own inputs: HR (time grid) or speed (distance grid)."""
        net = self.hr_net if target == "hr" else self.speed_net
        return predict_items(net, [encode(r, previous[r.activity_id], self.vocab, target, self.fill(target))
                                   for r in runs])

    def _curve(self, target: str, run: Run, previous: Run | None, x: np.ndarray,
               start: dt.datetime | None = None) -> np.ndarray:
        """One curve for `run`'s athlete (the population model when unknown) on inputs `x`."""
        net = self.hr_net if target == "hr" else self.speed_net
        return predict_items(net, [encode(run, previous, self.vocab, target, self.fill(target), x=x,
                                          athlete_known=self.knows(run.athlete_id), start=start)])[0]

    def speed_on(self, run: Run, previous: Run | None, route_x: np.ndarray | None = None,
                 start: dt.datetime | None = None) -> np.ndarray:
        """Speed (km/h) for `run`'s athlete along a route (distance grid; default the run's own)."""
        return self._curve("speed", run, previous, run.route_x if route_x is None else route_x, start)

    def hr_on(self, run: Run, previous: Run | None, time_x: np.ndarray, start: dt.datetime | None = None) -> np.ndarray:
        """HR (bpm) for `run`'s athlete on a given time grid (TIME_INPUTS)."""
        return self._curve("hr", run, previous, time_x, start)

    def run_curves(self, run: Run, previous: Run | None, route_x: np.ndarray | None = None,
                   pace_factor: float = 1.0,
                   start: dt.datetime | None = None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The two curves for `run`'s athlete on a route (`route_x` on the distance grid, default the
        run's own): speed predicted along it (km/h, x pace_factor), then HR (bpm) on the time grid
        that speed gives. Returns (speed_kmh, time_x, hr_bpm)."""
        route_x = run.route_x if route_x is None else route_x
        speed = self.speed_on(run, previous, route_x, start) * pace_factor
        time_x = time_inputs(route_x, speed)
        return speed, time_x, self.hr_on(run, previous, time_x, start)

    def forecast(self, run: Run) -> np.ndarray:
        """The short-term forecast of each step's HR from the 10 steps before it (NaN where those
        lack a reading), bpm, on the run's time grid."""
        out = np.full(len(run.hr_bpm), np.nan)
        view = window_view(run)
        ok = np.isfinite(view[:, :, 0]).all(axis=1)
        if ok.any():
            athlete = np.full(ok.sum(), self.vocab.athlete(run.athlete_id), dtype=np.int64)
            out[SHORT_WINDOW:][ok] = predict_short(self.short_net, np.ascontiguousarray(view[ok]), athlete)
        return out

    def save(self, directory: Path) -> None:
        torch.save({"hr": self.hr_net.state_dict(), "speed": self.speed_net.state_dict(),
                    "short": self.short_net.state_dict()}, directory / "nets.pt")
        (directory / "baselines.pkl").write_bytes(pickle.dumps(self.baselines))
        (directory / "model.json").write_text(json.dumps({
            "params": asdict(self.params), "athletes": self.athletes, "sports": self.sports,
            "scalers": self.scalers.to_dict(), "time_inputs": TIME_INPUTS, "route_inputs": ROUTE_INPUTS}))

    @classmethod
    def load(cls, directory: Path) -> HrModel:
        meta = json.loads((directory / "model.json").read_text())
        params, scalers = Params(**meta["params"]), Scalers.from_dict(meta["scalers"])
        n_a, n_s = len(meta["athletes"]), len(meta["sports"])
        nets = torch.load(directory / "nets.pt", weights_only=True)
        hr_net = CurveNet(len(TIME_INPUTS), n_a, n_s, scalers.time_x, scalers.hr, params)
        speed_net = CurveNet(len(ROUTE_INPUTS), n_a, n_s, scalers.route_x, scalers.speed, params)
        short_net = ShortTermNet(n_a, np.zeros(3), np.ones(3), 1.0, params)
        for net, key in ((hr_net, "hr"), (speed_net, "speed"), (short_net, "short")):
            net.load_state_dict(nets[key])
            net.eval()
        return cls(params, meta["athletes"], meta["sports"], scalers, hr_net, speed_net, short_net,
                   pickle.loads((directory / "baselines.pkl").read_bytes()))


def fit(data: HrData, params: Params = Params(), progress=None) -> HrModel:
    """Every model of the kind on data.train (early stopping on data.val); progress(step, total)
    counts the learnt nets' epochs."""
    total = 2 * params.epochs + params.short_epochs

    def stage(offset):
        return (lambda step, _: progress(offset + step, total)) if progress else None

    speed_net = fit_curve(data, "speed", params, stage(0))
    hr_net = fit_curve(data, "hr", params, stage(params.epochs))
    short_net = fit_short(data, params, stage(2 * params.epochs))
    baselines = {"global_mean": MeanModel(False).fit(data), "athlete_mean": MeanModel(True).fit(data),
                 "mlp": StepModel("mlp", params.seed).fit(data, params.trees, params.mlp_steps, params.mlp_iter),
                 "lightgbm": StepModel("lightgbm", params.seed).fit(data, params.trees, params.mlp_steps,
                                                                    params.mlp_iter),
                 "first_order": FirstOrder().fit(data)}
    if progress:
        progress(total, total)
    return HrModel(params, list(data.athletes), list(data.sports), data.scalers, hr_net, speed_net, short_net,
                   baselines)
