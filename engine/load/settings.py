"""Every constant of the training-load science, with its unit and source (DESIGN.md "Load science").

One `LoadSettings` per team; the Settings page shows each field with its FIELD_HELP line.
Thresholds are configurable guidance, not clinical cut-offs.
"""
from __future__ import annotations

import math
import numbers
import zoneinfo
from dataclasses import asdict, dataclass, fields

ACWR_METHODS = ("rolling_coupled", "rolling_uncoupled", "ewma")
LOAD_SOURCES = ("srpe", "hrtss", "blend")
MONOTONY_SDS = ("population", "sample")
CHOICES = {"acwr_method": ACWR_METHODS, "load_source": LOAD_SOURCES, "monotony_sd": MONOTONY_SDS}
TIME_ZONES = sorted(zoneinfo.available_timezones() - {"localtime", "Factory"})
SRPE_DEFAULTS = ("default_srpe_running", "default_srpe_cycling", "default_srpe_strength", "default_srpe_other")


@dataclass(frozen=True)
class LoadSettings:
    """Training-load constants (units and sources in FIELD_HELP)."""

    ctl_days: float = 42.0
    atl_days: float = 7.0
    trimp_a_men: float = 0.64
    trimp_b_men: float = 1.92
    trimp_a_women: float = 0.86
    trimp_b_women: float = 1.67
    lthr_fraction: float = 0.85
    max_sample_gap_s: float = 30.0
    acwr_method: str = "ewma"
    acute_days: int = 7
    chronic_days: int = 28
    acwr_low: float = 0.8
    acwr_high: float = 1.3
    monotony_threshold: float = 2.0
    strain_threshold: float = 6000.0
    monotony_sd: str = "population"
    monotony_cap: float = 10.0
    frbi_threshold: float = 1.2
    frbi_cut_low: float = 0.15
    frbi_cut_high: float = 0.20
    frbi_cut_days: int = 3
    frbi_cut_days_max: int = 5
    frbi_median_days: int = 28
    tsb_floor: float = -120.0  # a.u./day: the common -30 on the TSS scale x 4.2 a.u. per TSS point [A]
    inactive_days: int = 14
    load_source: str = "blend"
    pmc_seed_days: int = 28
    default_hr_rest_bpm: float = 60.0
    default_srpe_running: float = 4.0
    default_srpe_cycling: float = 4.0
    default_srpe_strength: float = 6.0
    default_srpe_other: float = 4.0
    strength_s_per_set: float = 150.0
    time_zone: str = "UTC"   # IANA name: times are stored in UTC, shown and put on days in this zone

    def default_srpe(self, sport: str) -> float:
        """The CR-10 session RPE assumed for a session of `sport` that has no RPE at all."""
        return getattr(self, f"default_srpe_{sport}", self.default_srpe_other)

    @property
    def monotony_ddof(self) -> int:
        """numpy ddof of the monotony SD: 0 = population SD, 1 = sample SD."""
        return 0 if self.monotony_sd == "population" else 1

    def validate(self) -> None:
        """Raise ValueError naming the first bad field."""
        for f in fields(self):
            value = getattr(self, f.name)
            is_number = isinstance(value, numbers.Real) and not isinstance(value, bool) and math.isfinite(value)
            if isinstance(f.default, numbers.Real) and not is_number:
                raise ValueError(f"{f.name} must be a finite number (got {value!r})")
        for name in ("ctl_days", "atl_days", "acute_days", "chronic_days", "frbi_cut_days",
                     "frbi_cut_days_max", "frbi_median_days", "trimp_a_men", "trimp_b_men",
                     "trimp_a_women", "trimp_b_women", "max_sample_gap_s", "monotony_cap",
                     "monotony_threshold", "strain_threshold", "frbi_threshold", "acwr_high",
                     "default_hr_rest_bpm", "strength_s_per_set", "inactive_days"):
            if not getattr(self, name) > 0:
                raise ValueError(f"{name} must be greater than 0 (got {getattr(self, name)})")
        for name in ("acute_days", "chronic_days", "frbi_cut_days", "frbi_cut_days_max", "frbi_median_days",
                     "pmc_seed_days", "inactive_days"):
            if int(getattr(self, name)) != getattr(self, name):
                raise ValueError(f"{name} must be a whole number of days (got {getattr(self, name)})")
        for name, allowed in CHOICES.items():
            if getattr(self, name) not in allowed:
                raise ValueError(f"{name} must be one of {', '.join(allowed)} (got {getattr(self, name)!r})")
        if not 0 < self.lthr_fraction < 1:
            raise ValueError(f"lthr_fraction must be between 0 and 1 (got {self.lthr_fraction})")
        if self.acute_days >= self.chronic_days:
            raise ValueError(f"acute_days ({self.acute_days}) must be shorter than "
                             f"chronic_days ({self.chronic_days})")
        if self.acwr_low < 0 or self.acwr_low >= self.acwr_high:
            raise ValueError(f"acwr_low ({self.acwr_low}) must be at least 0 and below "
                             f"acwr_high ({self.acwr_high})")
        if not 0 < self.frbi_cut_low < self.frbi_cut_high < 1:
            raise ValueError(f"need 0 < frbi_cut_low ({self.frbi_cut_low}) < frbi_cut_high "
                             f"({self.frbi_cut_high}) < 1")
        if not self.frbi_cut_days <= self.frbi_cut_days_max <= 7:
            raise ValueError(f"need frbi_cut_days ({self.frbi_cut_days}) <= frbi_cut_days_max "
                             f"({self.frbi_cut_days_max}) <= 7 (the plan is one week)")
        if self.pmc_seed_days < 0:
            raise ValueError(f"pmc_seed_days must be 0 or more (got {self.pmc_seed_days})")
        for name in SRPE_DEFAULTS:
            if not 0 <= getattr(self, name) <= 10:
                raise ValueError(f"{name} must be between 0 and 10 on the CR-10 scale (got {getattr(self, name)})")
        if self.time_zone not in TIME_ZONES:
            raise ValueError(f"time_zone must be an IANA time zone such as Europe/Oslo (got {self.time_zone!r})")
        if self.ctl_days <= self.atl_days:
            raise ValueError(f"ctl_days ({self.ctl_days}) must be longer than atl_days ({self.atl_days})")

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> LoadSettings:
        """Known keys from `values`, defaults for the rest; unknown keys are ignored."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in values.items() if k in known})


FIELD_HELP: dict[str, str] = {
    "ctl_days": "Fitness (CTL) time constant, days; Banister impulse-response. Smoothing 1 - e^(-1/tau) a day, "
                "as GoldenCheetah (TrainingPeaks' common form uses 1/tau).",
    "atl_days": "Fatigue (ATL) time constant, days; Banister impulse-response; smoothing as CTL.",
    "trimp_a_men": "Banister TRIMP weighting a for men (and unknown sex); Morton, Fitz-Clarke & "
                   "Banister 1990: 0.64.",
    "trimp_b_men": "Banister TRIMP exponent b for men (and unknown sex); Morton, Fitz-Clarke & "
                   "Banister 1990: 1.92.",
    "trimp_a_women": "Banister TRIMP weighting a for women; Morton, Fitz-Clarke & Banister 1990: 0.86 "
                     "(GoldenCheetah keeps 0.64 for women and changes only b; hrTSS is unaffected).",
    "trimp_b_women": "Banister TRIMP exponent b for women; Morton, Fitz-Clarke & Banister 1990: 1.67.",
    "lthr_fraction": "LTHR when not measured = rest + this fraction x (max - rest), bpm (project's choice).",
    "max_sample_gap_s": "Longest gap between two HR records that counts, s; longer gaps (pauses) "
                        "count this much.",
    "acwr_method": "Which acute:chronic ratio the flags use: rolling_coupled, rolling_uncoupled or ewma "
                   "(Williams et al. 2017).",
    "acute_days": "Acute window of the ACWR and FRBI, days.",
    "chronic_days": "Chronic window of the ACWR and FRBI, days.",
    "acwr_low": "ACWR below this flags underloading (guidance band, not a clinical threshold).",
    "acwr_high": "ACWR above this flags a load spike (guidance band, not a clinical threshold).",
    "monotony_threshold": "Foster monotony (7-day mean / SD) above this is flagged (practitioners use 2.0).",
    "strain_threshold": "Foster strain (weekly load x monotony, a.u.) above this is flagged; the default is "
                        "unverified (research/physiology.md 4.4), set it per squad.",
    "monotony_sd": "SD used for monotony: population (ddof 0; values x1.08 those of the sample SD) or sample "
                   "(ddof 1).",
    "monotony_cap": "Monotony shown when the 7-day SD is 0 (identical loads), and its upper bound.",
    "frbi_threshold": "FRBI above this triggers the load-cut suggestion (the paper's rule).",
    "frbi_cut_low": "Smallest suggested cut of planned load when FRBI is high, fraction.",
    "frbi_cut_high": "Largest suggested cut of planned load when FRBI is high, fraction.",
    "frbi_cut_days": "Days the cut lasts at least (the paper's rule: 3-5 days).",
    "frbi_cut_days_max": "Days the cut may extend to while the projected FRBI stays high.",
    "frbi_median_days": "Window of the morning-HR median that FRBI compares today's morning HR with, days.",
    "tsb_floor": "Form (TSB = yesterday's CTL - ATL, a.u./day) below this is flagged as deep fatigue; "
                 "-120 a.u. is about -30 on the TSS scale (1 hrTSS point = 4.2 a.u.).",
    "inactive_days": "An athlete without a session for longer than this is listed apart as inactive on the squad "
                     "page, not flagged for underloading.",
    "load_source": "Daily load from session RPE (srpe), heart rate (hrtss) or sRPE with hrTSS "
                   "filling sessions without RPE (blend).",
    "pmc_seed_days": "CTL and ATL start at the mean daily load of the athlete's first this-many days, so "
                     "that months of imported history do not begin at zero fitness (0: start at 0).",
    "default_hr_rest_bpm": "Resting HR used when the profile and morning HR lack one, bpm (estimated; "
                           "athletes' charts give 49-61 bpm, adults 68 +- 10).",
    "default_srpe_running": "Session RPE (CR-10) assumed for a run with no RPE and no HR (estimated).",
    "default_srpe_cycling": "Session RPE (CR-10) assumed for a ride with no RPE and no HR (estimated).",
    "default_srpe_strength": "Session RPE (CR-10) assumed for a strength session with no session or set "
                             "RPE (estimated).",
    "default_srpe_other": "Session RPE (CR-10) assumed for other sports with no RPE and no HR (estimated).",
    "time_zone": "The team's time zone: times are stored in UTC (watch files) and shown, and sessions put on "
                 "days, in this zone; strength-app CSVs hold local times, read in this zone at import.",
    "strength_s_per_set": "Duration of a strength session whose file has none = sets x this, s (a set "
                          "plus its rest; estimated).",
}

# The Settings page: each field's label and unit, in groups. Every field is in exactly one group.
FIELD_LABELS: dict[str, tuple[str, str]] = {
    "load_source": ("Daily load from", ""),
    "ctl_days": ("Fitness (CTL) time constant", "d"),
    "atl_days": ("Fatigue (ATL) time constant", "d"),
    "pmc_seed_days": ("CTL and ATL seeded from the first", "d"),
    "tsb_floor": ("Form (TSB) floor", "a.u./day"),
    "inactive_days": ("Inactive after", "d"),
    "acwr_method": ("ACWR method", ""),
    "acute_days": ("Acute window", "d"),
    "chronic_days": ("Chronic window", "d"),
    "acwr_low": ("ACWR band, low", ""),
    "acwr_high": ("ACWR band, high", ""),
    "monotony_threshold": ("Monotony flag above", ""),
    "monotony_sd": ("Monotony SD", ""),
    "monotony_cap": ("Monotony cap", ""),
    "strain_threshold": ("Strain flag above", "a.u."),
    "frbi_threshold": ("FRBI flag above", ""),
    "frbi_cut_low": ("Load cut, smallest", "fraction"),
    "frbi_cut_high": ("Load cut, largest", "fraction"),
    "frbi_cut_days": ("Cut lasts at least", "d"),
    "frbi_cut_days_max": ("Cut lasts at most", "d"),
    "frbi_median_days": ("Morning-HR median window", "d"),
    "trimp_a_men": ("TRIMP a, men", ""),
    "trimp_b_men": ("TRIMP b, men", ""),
    "trimp_a_women": ("TRIMP a, women", ""),
    "trimp_b_women": ("TRIMP b, women", ""),
    "lthr_fraction": ("LTHR estimate, fraction of HR reserve", ""),
    "max_sample_gap_s": ("Longest HR gap counted", "s"),
    "default_hr_rest_bpm": ("Resting HR when unknown", "bpm"),
    "default_srpe_running": ("Session RPE of a run without RPE or HR", "CR-10"),
    "default_srpe_cycling": ("Session RPE of a ride without RPE or HR", "CR-10"),
    "default_srpe_strength": ("Session RPE of a lift without RPE", "CR-10"),
    "default_srpe_other": ("Session RPE of other sports without RPE or HR", "CR-10"),
    "strength_s_per_set": ("Strength session length per set when missing", "s"),
    "time_zone": ("Time zone", ""),
}
FIELD_GROUPS: dict[str, tuple[str, ...]] = {
    "Team": ("time_zone",),
    "Load": ("load_source", "ctl_days", "atl_days", "pmc_seed_days", "tsb_floor", "inactive_days"),
    "ACWR": ("acwr_method", "acute_days", "chronic_days", "acwr_low", "acwr_high"),
    "Monotony and strain": ("monotony_threshold", "monotony_sd", "monotony_cap", "strain_threshold"),
    "FRBI": ("frbi_threshold", "frbi_cut_low", "frbi_cut_high", "frbi_cut_days", "frbi_cut_days_max",
             "frbi_median_days"),
    "Heart rate": ("trimp_a_men", "trimp_b_men", "trimp_a_women", "trimp_b_women", "lthr_fraction",
                   "max_sample_gap_s", "default_hr_rest_bpm"),
    "Sessions without data": ("default_srpe_running", "default_srpe_cycling", "default_srpe_strength",
                              "default_srpe_other", "strength_s_per_set"),
}


def field_label(name: str) -> str:
    """"Fitness (CTL) time constant, d": the field's label with its unit."""
    label, unit = FIELD_LABELS[name]
    return f"{label}, {unit}" if unit else label


def field_help(name: str) -> str:
    """FIELD_HELP with the default value, taken from LoadSettings itself."""
    default = getattr(LoadSettings(), name)
    unit = FIELD_LABELS[name][1]
    shown = f"{default:g}" if isinstance(default, float) else str(default)
    return f"{FIELD_HELP[name]} Default: {shown}{' ' + unit if unit and unit != 'fraction' else ''}."
