"""The load metrics as the app shows them: one row per metric with its label, unit, digits and a
help text built from the settings in force, stating the convention where platforms differ
(../shared/research/anchors.md, "Load conventions"). The metric row, the squad table, the
Settings page and the charts read it; no page writes a metric's name, unit or help itself."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from engine.load.settings import LoadSettings


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    unit: str                                  # "" for ratios
    digits: int
    help: Callable[[LoadSettings], str]

    @property
    def title(self) -> str:
        """"CTL, a.u." or "ACWR": the label with its unit."""
        return f"{self.label}, {self.unit}" if self.unit else self.label


def _smoothing(s: LoadSettings) -> str:
    return ("smoothing 1 - e^(-1/tau) a day, as GoldenCheetah; TrainingPeaks' common form uses 1/tau, which "
            "runs ATL up to 12.5 a.u. higher in the first weeks")


def _acwr(s: LoadSettings) -> str:
    window = f"{s.acute_days} d / {s.chronic_days} d"
    method = {"ewma": f"EWMA {window} (Williams et al. 2017, lambda = 2/(N+1), blank for the first "
                      f"{s.chronic_days - 1} days)",
              "rolling_coupled": f"rolling {window} averages, the acute week inside the chronic window",
              "rolling_uncoupled": f"rolling {window} averages, the chronic window without the acute week"}
    return (f"Acute:chronic workload ratio, {method[s.acwr_method]}; flagged outside {s.acwr_low:g}-{s.acwr_high:g} "
            "(guidance, not a clinical threshold)")


METRIC_TABLE: dict[str, Metric] = {m.key: m for m in (
    Metric("ctl", "CTL", "a.u.", 0, lambda s: f"Chronic training load (fitness): exponentially weighted daily load, "
                                              f"time constant {s.ctl_days:g} d, {_smoothing(s)}; a.u./day"),
    Metric("atl", "ATL", "a.u.", 0, lambda s: f"Acute training load (fatigue): exponentially weighted daily load, "
                                              f"time constant {s.atl_days:g} d, {_smoothing(s)}; a.u./day"),
    Metric("tsb", "TSB", "a.u.", 0, lambda s: f"Training stress balance (form) = yesterday's CTL - yesterday's ATL "
                                              f"(as GoldenCheetah and TrainingPeaks); flagged below {s.tsb_floor:g}; "
                                              "a.u./day"),
    Metric("ramp", "Ramp", "a.u./day per week", 1, lambda s: "Ramp rate = CTL today - CTL 7 days ago"),
    Metric("acwr", "ACWR", "", 2, _acwr),
    Metric("monotony", "Monotony", "", 2,
           lambda s: f"Monotony = mean / SD ({s.monotony_sd} SD) of the last 7 daily loads (Foster 1998); "
                     f"{s.monotony_cap:g} when the SD is 0; flagged above {s.monotony_threshold:g}"),
    Metric("strain", "Strain", "a.u.", 0, lambda s: f"Strain = 7-day load x monotony (Foster 1998); flagged above "
                                                    f"{s.strain_threshold:,.0f}"),
    Metric("frbi", "FRBI", "", 2,
           lambda s: f"Fatigue-recovery balance index (this project's definition): EWMA {s.acute_days} d / "
                     f"{s.chronic_days} d load x morning HR / its {s.frbi_median_days}-day median; flagged above "
                     f"{s.frbi_threshold:g}"),
)}
METRIC_ROW = ("ctl", "atl", "tsb", "acwr", "monotony", "strain", "frbi")    # the pages' row of metrics


def help_text(key: str, settings: LoadSettings) -> str:
    """The metric's help under `settings`."""
    return METRIC_TABLE[key].help(settings)
