"""The synthetic fitness cohort: 6,698 male students shaped after the paper's cohort (§1.2).

Each test = baseline + k * BMI penalty + noise. The noise shares one latent fitness factor
across the four tests [A]; the size k of each BMI effect is solved on the drawn sample so that
r(BMI, test) equals the published (or proxy) correlation (§2.5, §6).

`noise_scale` < 1 builds the "strong signal" cohort of the fitness evaluation: the same BMI
effects (k solved at full noise) with the person-to-person noise of every test and of the pacing
fade shrunk, so the tests carry far more of the BMI signal than real data do.
"""
from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.optimize import brentq
from scipy.stats import gamma, norm, poisson, truncnorm

from engine.demo.physiology import lap_splits_s

COHORT_SIZE = 6698                          # §1.2
STREAM_COHORT = 3                           # rng stream [seed, 3] (generator.py numbers the others)
AGE_MEAN_Y, AGE_SD_Y, AGE_RANGE_Y = 18.7, 0.9, (18.0, 20.0)   # §1.2
LN_BMI_MU, LN_BMI_SIGMA = 3.1164, 0.1229    # §2.4 [D] log-normal fitted to the class shares
TAIL_Z, TAIL_STRETCH = 1.5, 0.12            # heavier right tail -> ~1.2 % obese (§2.4 [A])
WHO_CUTS = [18.5, 25.0, 30.0]
WHO_CLASSES = np.array(["underweight", "normal", "overweight", "obese"])
HEIGHT_MEAN_CM, HEIGHT_SD_CM = 172.0, 6.0   # [A] unsourced, young Chinese men
PULLUP_ZERO_SHARE = 0.05                    # men who cannot do one pull-up [A]
PULLUP_GAMMA_SHAPE, PULLUP_MAX = 6.0, 30
STRONG_SIGNAL_NOISE = 0.1                   # noise_scale of the strong-signal cohort (project's choice)


def _truncated_age_y(rng: np.random.Generator, n: int) -> np.ndarray:
    """N(mu, 0.9) truncated to 18-20 with mu chosen so the truncated mean is 18.7 (§1.2).
    (The truncation caps the SD near 0.5; the paper's 0.9 is not reachable within 18-20.)"""
    lo, hi = AGE_RANGE_Y

    def dist(mu):
        return truncnorm((lo - mu) / AGE_SD_Y, (hi - mu) / AGE_SD_Y, loc=mu, scale=AGE_SD_Y)

    mu = brentq(lambda m: dist(m).mean() - AGE_MEAN_Y, 15.0, AGE_MEAN_Y)
    return dist(mu).rvs(n, random_state=rng)


def _bmi_penalty(bmi, optimum, power=2.0, left_weight=1.0):
    """Distance from the best BMI in units of 3 kg/m2, |d|^power; `left_weight` scales the
    underweight side. Gives the inverted-U of §2.5 (best near BMI 20-21)."""
    d = (bmi - optimum) / 3.0
    return np.abs(d) ** power * np.where(d < 0, left_weight, 1.0)


def _match_correlation(bmi, score, target_r, k_max=1e4):
    """The effect size k >= 0 for which corr(bmi, score(k)) = target_r (score(0) ~ uncorrelated)."""
    return brentq(lambda k: np.corrcoef(bmi, score(k))[0, 1] - target_r, 0.0, k_max, xtol=1e-6)


def build_cohort(seed: int, noise_scale: float = 1.0) -> pd.DataFrame:
    """The cohort frame (columns of table `fitness_cohort`); deterministic in `seed`."""
    rng = np.random.default_rng([seed, STREAM_COHORT])
    n = COHORT_SIZE
    age_y = _truncated_age_y(rng, n).round(1)
    # §2.4: stratified quantiles of ln BMI (one draw per 1/n slice) keep the class shares at
    # the fitted values for any seed; the paper's sample was stratified too (§1.2).
    z = norm.ppf((rng.permutation(n) + rng.random(n)) / n)
    z = z + TAIL_STRETCH * np.maximum(z - TAIL_Z, 0.0)
    height_cm = rng.normal(HEIGHT_MEAN_CM, HEIGHT_SD_CM, n).round(1)
    mass_kg = (np.exp(LN_BMI_MU + LN_BMI_SIGMA * z) * (height_cm / 100) ** 2).round(1)
    bmi = (mass_kg / (height_cm / 100) ** 2).round(2)

    fitness = rng.standard_normal(n)                       # shared latent fitness [A]

    def noise():
        return 0.6 * fitness + 0.8 * rng.standard_normal(n)  # unit variance, r = 0.36 between tests

    # 3,000 m (§2.7, §6): mean ~810 s, SD ~85 s; best near BMI 21, underweight side twice as
    # steep [A]; r(BMI, time) = +0.20 (§1.2)
    q_run, e_run = _bmi_penalty(bmi, 21.0, 2.0, 2.0), 80.0 * noise()
    k = _match_correlation(bmi, lambda k: k * q_run + e_run, 0.20)
    run_target_s = np.maximum(810.0 + k * (q_run - q_run.mean()) + noise_scale * e_run, 560.0)
    fade_spread = noise_scale * (rng.normal(0.06, 0.03, n) - 0.06) + 0.06
    fade = np.clip(fade_spread + 0.01 * (bmi - 22.0), 0.0, 0.25)  # §6: fade grows with BMI
    laps_s, run_s = lap_splits_s(run_target_s, fade, rng.uniform(0.02, 0.08, n), rng)

    # pull-ups (§2.3, §6): negative binomial (Poisson-gamma, gamma shape 6 through a Gaussian
    # copula on the shared noise) with 5 % zeros: mean 9, SD ~5.5; falls with BMI, r = -0.28
    # (§1.2); capped at 30, the national table's 19 reps + 10 bonus reps (§2.1) [A]
    q_pull, u_pull = _bmi_penalty(bmi, 20.0, 1.0, 0.3), rng.random(n)
    pull_noise = noise()
    can_pull = rng.random(n) >= PULLUP_ZERO_SHARE

    def pullups(k, scale=1.0):
        heterogeneity = gamma.ppf(norm.cdf(scale * pull_noise), PULLUP_GAMMA_SHAPE) / PULLUP_GAMMA_SHAPE
        w = np.exp(-k * q_pull) * heterogeneity
        lam = 9.0 / (1 - PULLUP_ZERO_SHARE) * w / w.mean()
        return np.minimum(poisson.ppf(u_pull, lam), PULLUP_MAX) * can_pull

    pullups_n = pullups(_match_correlation(bmi, lambda k: -pullups(k), 0.28, k_max=5.0), noise_scale)

    # sit-ups 60 s (§2.6 Korean proxy): 50 +- 10, inverted-U (class means 42/51/49/41), r = -0.14
    q_sit, e_sit = _bmi_penalty(bmi, 21.0, 2.0, 2.5), 9.5 * noise()
    k = _match_correlation(bmi, lambda k: k * q_sit - e_sit, 0.14)   # sit-ups = 50 - k q + e
    situps_n = np.clip(np.round(50.0 - k * (q_sit - q_sit.mean()) + noise_scale * e_sit), 0, None)

    # 30 m x 2 shuttle (§2.7 [A]): 10.6 +- 0.6 s, r(BMI, time) = +0.15 [A]
    q_sh, e_sh = _bmi_penalty(bmi, 20.7), 0.55 * noise()
    k = _match_correlation(bmi, lambda k: k * q_sh + e_sh, 0.15)
    shuttle_s = (10.6 + k * (q_sh - q_sh.mean()) + noise_scale * e_sh).round(2)

    return pd.DataFrame({
        "record_id": np.arange(1, n + 1),
        "age_y": age_y,
        "height_cm": height_cm,
        "mass_kg": mass_kg,
        "bmi": bmi,
        "bmi_class": WHO_CLASSES[np.searchsorted(WHO_CUTS, bmi, side="right")],
        "run_3000m_s": run_s,
        "lap_200m_s": laps_s.tolist(),
        "pullups": pullups_n.astype(np.int64),
        "situps_60s": situps_n.astype(np.int64),
        "shuttle_30x2_s": shuttle_s,
    })
