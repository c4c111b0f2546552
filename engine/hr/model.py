"""The learnt HR models (PyTorch): `CurveNet` (FitRec's profile model, one for HR on the time grid
and a twin for speed on the distance grid) and `ShortTermNet` (the next HR from the last
SHORT_WINDOW steps, FitRec-Attn's idea, for the "ease off" warning).

Both keep their scalers (fitted on the training runs) as buffers: raw units in, raw units out, so
the ONNX export needs nothing else. Seeds make every run the same.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

from engine.hr.dataset import HrData, Run
from engine.models.registry import NotEnoughData
from engine.models.scaling import Scaler

CONTEXT_EVERY = {"hr": 6, "speed": 4}  # the previous run, every 6th time step (60 s) / 4th point (200 m)
SHORT_WINDOW = 10                      # steps of 10 s (FitRec-Attn's T = 10)
SHORT_CHANNELS = 3                     # HR (bpm), speed (km/h), altitude (m)
SPORT_EMBEDDING = 3
N_CALENDAR = 8                         # weekday one-hot (7) and days since the previous run / 7


@dataclass(frozen=True)
class Params:
    seed: int = 7
    hidden: int = 64               # core LSTM(64) x 2 (FitRec)
    context_hidden: int = 32       # two context LSTMs -> 64-d
    embedding: int = 5             # athlete embedding (FitRec: 5)
    dropout: float = 0.2
    lr: float = 3e-3
    batch: int = 64                # 32 before #25: train 107 -> 88 s on the demo squad (README, Models)
    epochs: int = 30
    patience: int = 6
    unknown_athlete_p: float = 0.15   # training runs seen as an unknown athlete: the population model
    short_hidden: int = 32
    short_epochs: int = 20
    short_windows_per_epoch: int = 20000
    trees: int = 300
    mlp_steps: int = 30000
    mlp_iter: int = 40

    @classmethod
    def quick(cls) -> Params:
        return cls(epochs=4, patience=2, short_epochs=4, short_windows_per_epoch=5000, trees=40, mlp_steps=5000,
                   mlp_iter=10)


class CurveNet(nn.Module):
    """Per-step target from per-step inputs, an athlete embedding (0 = unknown), a sport embedding,
    sex (1 = female, 0 = male, 0.5 = unknown), the calendar (`calendar_of`: athletes keep weekly
    patterns, and FitRec's data had the days since the last workout) and a context: two LSTMs over
    the previous run's inputs and its target (FitRec U/S/C). Core: LSTM(hidden) x 2 with dropout,
    linear head."""

    def __init__(self, n_in: int, n_athletes: int, n_sports: int, x_scaler: Scaler, y_scaler: Scaler, p: Params):
        super().__init__()
        self.athlete = nn.Embedding(n_athletes + 1, p.embedding)
        self.sport = nn.Embedding(n_sports + 1, SPORT_EMBEDDING)
        self.context_inputs = nn.LSTM(n_in, p.context_hidden, batch_first=True)
        self.context_target = nn.LSTM(1, p.context_hidden, batch_first=True)
        n_static = p.embedding + SPORT_EMBEDDING + 1 + N_CALENDAR + 2 * p.context_hidden
        self.core = nn.LSTM(n_in + n_static, p.hidden, num_layers=2, dropout=p.dropout, batch_first=True)
        self.drop = nn.Dropout(p.dropout)
        self.head = nn.Linear(p.hidden, 1)
        self.register_buffer("x_mean", torch.tensor(np.append(x_scaler.mean, y_scaler.mean), dtype=torch.float32))
        self.register_buffer("x_sd", torch.tensor(np.append(x_scaler.sd, y_scaler.sd), dtype=torch.float32))
        self.register_buffer("y_mean", torch.tensor(y_scaler.mean, dtype=torch.float32))
        self.register_buffer("y_sd", torch.tensor(y_scaler.sd, dtype=torch.float32))

    def scaled(self, x, context, athlete, sport, sex, calendar, context_len=None):
        """The prediction in scaled units; x: (B, T, n_in) raw, context: (B, Tc, n_in + 1) raw
        inputs and target of the previous run, context_len (B,) its valid steps (None: all)."""
        n_in = x.shape[2]
        x = (x - self.x_mean[:n_in]) / self.x_sd[:n_in]
        context = (context - self.x_mean) / self.x_sd
        ci, _ = self.context_inputs(context[..., :n_in])
        ct, _ = self.context_target(context[..., n_in:])
        if context_len is None:
            hi, ht = ci[:, -1], ct[:, -1]
        else:
            rows = torch.arange(len(context_len))
            hi, ht = ci[rows, context_len - 1], ct[rows, context_len - 1]
        static = torch.cat([self.athlete(athlete), self.sport(sport), sex[:, None], calendar, hi, ht], dim=1)
        y, _ = self.core(torch.cat([x, static[:, None, :].expand(-1, x.shape[1], -1)], dim=2))
        return self.head(self.drop(y))[..., 0]

    def forward(self, x, context, athlete, sport, sex, calendar, context_len=None):
        """Raw units (bpm or km/h), (B, T)."""
        return self.scaled(x, context, athlete, sport, sex, calendar, context_len) * self.y_sd + self.y_mean


class ShortTermNet(nn.Module):
    """Next HR (bpm, one step of 10 s ahead) from the last SHORT_WINDOW steps of HR, speed and
    altitude (raw units) and the athlete embedding: an LSTM with temporal attention over its
    states (FitRec-Attn's idea); it predicts the change from the last HR."""

    def __init__(self, n_athletes: int, mean: np.ndarray, sd: np.ndarray, delta_sd: float, p: Params):
        super().__init__()
        self.athlete = nn.Embedding(n_athletes + 1, p.embedding)
        self.rnn = nn.LSTM(SHORT_CHANNELS, p.short_hidden, batch_first=True)
        self.score = nn.Linear(p.short_hidden, 1)
        self.head = nn.Sequential(nn.Linear(2 * p.short_hidden + p.embedding, p.short_hidden), nn.ReLU(),
                                  nn.Linear(p.short_hidden, 1))
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("sd", torch.tensor(sd, dtype=torch.float32))
        self.register_buffer("delta_sd", torch.tensor(delta_sd, dtype=torch.float32))

    def forward(self, window, athlete):
        """window: (B, SHORT_WINDOW, SHORT_CHANNELS) raw -> next HR (B,) bpm."""
        h, _ = self.rnn((window - self.mean) / self.sd)
        weights = torch.softmax(self.score(h), dim=1)
        summary = torch.cat([h[:, -1], (weights * h).sum(dim=1), self.athlete(athlete)], dim=1)
        return window[:, -1, 0] + self.head(summary)[:, 0] * self.delta_sd


# ---------------------------------------------------------------- encoding

@dataclass(frozen=True, eq=False)
class Item:
    """One run ready for a CurveNet: x (T, n_in) raw, y (T,) raw target (NaN = no reading),
    context (Tc, n_in + 1), athlete/sport indices, sex, calendar (N_CALENDAR,)."""
    x: np.ndarray
    y: np.ndarray
    context: np.ndarray
    athlete: int
    sport: int
    sex: float
    calendar: np.ndarray


class Vocab:
    """Athlete and sport indices of a training split (0 = unknown) and the context of a run."""

    def __init__(self, athletes: list[int], sports: list[str]):
        self.athletes = {a: i + 1 for i, a in enumerate(athletes)}
        self.sports = {s: i + 1 for i, s in enumerate(sports)}

    def athlete(self, athlete_id: int) -> int:
        return self.athletes.get(athlete_id, 0)

    @staticmethod
    def sex(sex: str | None) -> float:
        return {"F": 1.0, "M": 0.0}.get((sex or "").upper()[:1], 0.5)


def target_of(run: Run, target: str) -> tuple[np.ndarray, np.ndarray]:
    """(inputs, target) of a run on the grid of `target` ("hr": time grid, "speed": distance grid)."""
    return (run.time_x, run.hr_bpm) if target == "hr" else (run.route_x, run.speed_kmh)


def context_of(previous: Run | None, target: str, fill: float, n_in: int) -> np.ndarray:
    """The previous run's inputs and target, every CONTEXT_EVERY-th step; a missing target reads as
    `fill` (the training mean); no previous run -> one step of zeros."""
    if previous is None:
        return np.zeros((1, n_in + 1), dtype=np.float32)
    x, y = target_of(previous, target)
    step = CONTEXT_EVERY[target]
    return np.column_stack([x[::step], np.nan_to_num(y[::step], nan=fill)]).astype(np.float32)


def calendar_of(start: dt.datetime, previous: Run | None) -> np.ndarray:
    """Weekday one-hot and the days since the previous run / 7 (0 without one), (N_CALENDAR,)."""
    out = np.zeros(N_CALENDAR, dtype=np.float32)
    out[start.weekday()] = 1.0
    if previous is not None:
        out[7] = min((start - previous.start_time).total_seconds() / 86400 / 7, 4.0)
    return out


def encode(run: Run, previous: Run | None, vocab: Vocab, target: str, fill: float, x=None,
           athlete_known: bool = True, start: dt.datetime | None = None) -> Item:
    """An Item for `run` (or for inputs `x` on its grid, e.g. another route, with run's athlete and
    context, on the day `start`); athlete_known False -> the population model."""
    inputs, y = target_of(run, target)
    x = inputs if x is None else x
    return Item(np.asarray(x, dtype=np.float32), y if x is inputs else np.full(len(x), np.nan),
                context_of(previous, target, fill, x.shape[1]),
                vocab.athlete(run.athlete_id) if athlete_known else 0, vocab.sports.get(run.sport, 0),
                Vocab.sex(run.sex), calendar_of(start or run.start_time, previous))


def _batch(items: list[Item]):
    n, t, tc, f = len(items), max(len(i.x) for i in items), max(len(i.context) for i in items), items[0].x.shape[1]
    x, y = np.zeros((n, t, f), np.float32), np.full((n, t), np.nan, np.float32)
    context = np.zeros((n, tc, f + 1), np.float32)
    for k, i in enumerate(items):
        x[k, :len(i.x)], y[k, :len(i.y)], context[k, :len(i.context)] = i.x, i.y, i.context
    return (torch.from_numpy(x), torch.from_numpy(context), torch.tensor([i.athlete for i in items]),
            torch.tensor([i.sport for i in items]), torch.tensor([i.sex for i in items], dtype=torch.float32),
            torch.from_numpy(np.stack([i.calendar for i in items])), torch.tensor([len(i.context) for i in items])
            ), torch.from_numpy(y)


def _batches(items: list[Item], size: int, rng: np.random.Generator | None = None) -> list[list[int]]:
    """Indices in batches of similar length (little padding); shuffled batches when rng is given."""
    order = np.argsort([len(i.x) for i in items], kind="stable")
    chunks = [order[k:k + size].tolist() for k in range(0, len(order), size)]
    if rng is not None:
        rng.shuffle(chunks)
    return chunks


def predict_items(net: CurveNet, items: list[Item], batch: int = 64) -> list[np.ndarray]:
    """Raw predictions per item (no dropout)."""
    net.eval()
    out: list[np.ndarray | None] = [None] * len(items)
    with torch.no_grad():
        for chunk in _batches(items, batch):
            inputs, _ = _batch([items[k] for k in chunk])
            pred = net(*inputs).numpy().astype(float)
            for row, k in enumerate(chunk):
                out[k] = pred[row, :len(items[k].x)]
    return out


def mae(pred: list[np.ndarray], items: list[Item]) -> float:
    """Mean absolute error over every step with a target (pooled)."""
    return float(np.nanmean(np.abs(np.concatenate([p - i.y for p, i in zip(pred, items)]))))


def _early_stopping(net: nn.Module, epochs: int, patience: int, train_epoch, validate, progress):
    """Run train_epoch() (returns its last loss) up to `epochs` times and keep the weights of the
    best validate() error (the loss when validate is None); stop after `patience` epochs without a
    gain of 1e-3. progress(epoch, epochs) after each epoch."""
    best, best_state, waited = np.inf, None, 0
    for epoch in range(epochs):
        net.train()
        loss = train_epoch()
        score = validate() if validate else loss
        if score < best - 1e-3:
            best, best_state, waited = score, {k: v.clone() for k, v in net.state_dict().items()}, 0
        else:
            waited += 1
        if progress:
            progress(epoch + 1, epochs)
        if waited >= patience:
            break
    if best_state is not None:
        net.load_state_dict(best_state)
    net.eval()
    return net


def fit_curve(data: HrData, target: str, p: Params, progress=None) -> CurveNet:
    """A CurveNet for `target` on data.train: Adam on the masked MSE of scaled targets, batches of
    similar length, early stopping on the validation MAE (patience p.patience epochs)."""
    torch.manual_seed(p.seed)
    rng = np.random.default_rng(p.seed)
    vocab = Vocab(data.athletes, data.sports)
    x_scaler = data.scalers.time_x if target == "hr" else data.scalers.route_x
    y_scaler = data.scalers.hr if target == "hr" else data.scalers.speed
    fill = float(y_scaler.mean[0])
    net = CurveNet(len(x_scaler.mean), len(data.athletes), len(data.sports), x_scaler, y_scaler, p)
    train = [encode(r, data.previous[r.activity_id], vocab, target, fill) for r in data.train]
    val = [encode(r, data.previous[r.activity_id], vocab, target, fill) for r in data.val]
    optimiser = torch.optim.Adam(net.parameters(), lr=p.lr)

    def train_epoch() -> float:
        for chunk in _batches(train, p.batch, rng):
            inputs, y = _batch([train[k] for k in chunk])
            unknown = torch.from_numpy(rng.random(len(chunk)) < p.unknown_athlete_p)
            inputs = (inputs[0], inputs[1], torch.where(unknown, 0, inputs[2]), *inputs[3:])
            scaled = (y - net.y_mean) / net.y_sd
            mask = torch.isfinite(scaled)
            loss = ((net.scaled(*inputs) - torch.nan_to_num(scaled)) ** 2)[mask].mean()
            optimiser.zero_grad()
            loss.backward()
            nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            optimiser.step()
        return float(loss)

    return _early_stopping(net, p.epochs, p.patience, train_epoch,
                           (lambda: mae(predict_items(net, val), val)) if val else None, progress)


# ---------------------------------------------------------------- short term

def window_view(run: Run) -> np.ndarray:
    """The window before each step from step SHORT_WINDOW on: (n - SHORT_WINDOW, SHORT_WINDOW, 3)
    float32 of HR (bpm), speed (km/h), altitude (m); empty for a shorter run."""
    series = np.column_stack([run.hr_bpm, run.time_x[:, 4], run.time_x[:, 1]]).astype(np.float32)
    if len(series) <= SHORT_WINDOW:
        return np.empty((0, SHORT_WINDOW, SHORT_CHANNELS), np.float32)
    return np.lib.stride_tricks.sliding_window_view(series, SHORT_WINDOW, axis=0)[:-1].transpose(0, 2, 1)


def windows(runs: list[Run]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every window of SHORT_WINDOW steps with HR in each step and in the next one:
    (window (N, SHORT_WINDOW, 3) raw, next HR (N,), athlete_id (N,), hr_max_bpm (N,))."""
    out_w, out_y, out_a, out_m = [], [], [], []
    for r in runs:
        view = window_view(r)
        if not len(view):
            continue
        nxt = r.hr_bpm[SHORT_WINDOW:]
        ok = np.isfinite(view[:, :, 0]).all(axis=1) & np.isfinite(nxt)
        out_w.append(view[ok])
        out_y.append(nxt[ok])
        out_a.append(np.full(ok.sum(), r.athlete_id))
        out_m.append(np.full(ok.sum(), r.hr_max_bpm))
    if not out_w:
        return (np.empty((0, SHORT_WINDOW, SHORT_CHANNELS), np.float32), np.empty(0), np.empty(0, int), np.empty(0))
    return (np.concatenate(out_w).astype(np.float32), np.concatenate(out_y), np.concatenate(out_a),
            np.concatenate(out_m))


def predict_short(net: ShortTermNet, window: np.ndarray, athlete: np.ndarray, batch: int = 8192) -> np.ndarray:
    net.eval()
    with torch.no_grad():
        return np.concatenate([net(torch.from_numpy(window[k:k + batch]),
                                   torch.from_numpy(athlete[k:k + batch])).numpy()
                               for k in range(0, len(window), batch)] or [np.empty(0)]).astype(float)


def fit_short(data: HrData, p: Params, progress=None) -> ShortTermNet:
    """ShortTermNet on the training runs' windows (a random p.short_windows_per_epoch per epoch),
    Adam on the MSE of the scaled change, early stopping on the validation MAE."""
    torch.manual_seed(p.seed)
    rng = np.random.default_rng(p.seed)
    vocab = Vocab(data.athletes, data.sports)
    w, y, a, _ = windows(data.train)
    if not len(w):
        raise NotEnoughData("the ease-off model needs a training run with 11 consecutive 10 s steps of heart rate")
    flat = w.reshape(-1, SHORT_CHANNELS)
    delta = y - w[:, -1, 0]
    net = ShortTermNet(len(data.athletes), flat.mean(axis=0), np.where(flat.std(axis=0) > 0, flat.std(axis=0), 1.0),
                       float(delta.std()) or 1.0, p)
    athletes = np.array([vocab.athlete(i) for i in a])
    vw, vy, va, _ = windows(data.val)
    v_athletes = np.array([vocab.athlete(i) for i in va], dtype=np.int64)
    optimiser = torch.optim.Adam(net.parameters(), lr=p.lr)

    def train_epoch() -> float:
        pick = rng.permutation(len(w))[:p.short_windows_per_epoch]
        for k in range(0, len(pick), 256):
            rows = pick[k:k + 256]
            athlete = np.where(rng.random(len(rows)) < p.unknown_athlete_p, 0, athletes[rows])
            pred = net(torch.from_numpy(w[rows]), torch.from_numpy(athlete.astype(np.int64)))
            loss = (((pred - torch.from_numpy(y[rows]).float()) / net.delta_sd) ** 2).mean()
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
        return float(loss)

    return _early_stopping(net, p.short_epochs, p.patience, train_epoch,
                           (lambda: float(np.abs(predict_short(net, vw, v_athletes) - vy).mean())) if len(vw) else None,
                           progress)
