"""Probability that a post lands in the creator's own top quartile, from what is known before posting.

Statistical choices:
- Label: each measured rate (saves/views, shares/views; views >= 50), divided by its platform x type
  stratum's mean, becomes a percentile rank within the platform; a post's score is the mean of the
  percentiles it has. A post is positive when its score is in the top quartile of its platform, so
  every platform contributes ~25 % positives whatever its base rates.
- Features: her pattern score per metric, the sum of log rate ratios of the levels the post carries
  (findings of the joint pattern model; posts whose level is unknown get the unknown level's ratio),
  interacted with the platforms where that metric is measured. The attributes include posting time
  and day; platform and post type enter through the strata. A handful of features, so the model
  cannot fit noise, and it is exactly the base rate when no pattern holds.
- Model: logistic regression with a small ridge (numpy Newton/IRLS).
- Evaluation, time-ordered (rolling origin): posts sorted by publication; for each of the last four
  eighths, the pattern model and the logistic model are fitted on every earlier post only and predict
  that eighth. Brier against the training base rate (skill = 1 - brier / brier_base_rate), AUC,
  calibration bins, and a bootstrap 95 % interval of the skill. The score "earns" its decimals only
  when that interval lies above 0; otherwise it is reported as no better than the base rate.
- Under MIN_HISTORY labelled posts the model answers the base rate and says so.
- Realised outcomes (what the briefs' posts did, engines/outcomes.py) are a prospective test of the score
  as it was shown: `realised_calibration` scores each measured brief's predicted probability against whether
  its post reached her top quartile (Brier against the base rate she had then, reliability bins, n). The
  refit uses them in two ways, and only these: (1) the report carries that calibration, and once
  MIN_REALISED briefs are measured, a skill interval wholly below 0 withdraws `earned` (the score stops
  being shown however well the backtest went); below MIN_REALISED it is reported, not acted on, so in
  practice it changes nothing for the first few dozen briefs. (2) Posts she linked to a brief herself carry
  the brief's attribute levels where the rules could not read them (services/patterns.py), so the fit and
  the backtest see what those posts were made with; a handful of posts among hundreds, a small change.
  Linked posts are not weighted more: a realised outcome is one more labelled post, no more informative
  than any other of hers.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, Field

from shared.engines.patterns import UNKNOWN, Z95, PatternResult, detect_patterns, known_levels, rate_frame

MIN_HISTORY = 120
# Measured briefs before their realised calibration may withdraw the score (see the module docstring).
MIN_REALISED = 30
TOP_QUANTILE = 0.75
# Fractions of the time-ordered posts where each evaluation block starts (and the last one ends).
EVALUATION_CUTS = (0.5, 0.625, 0.75, 0.875, 1.0)
L2 = 0.1
CALIBRATION_BINS = 5
BOOTSTRAP_DRAWS = 1000
LABEL_RULE = (
    "mean of platform percentile ranks of save and share rate (each relative to its platform x type "
    "mean; those measured), top quartile within platform"
)
EVALUATION_RULE = (
    "rolling origin: each of the latest four eighths of her posts predicted by models fitted on all earlier posts"
)

PatternFitter = Callable[[pl.DataFrame, pl.DataFrame], PatternResult]


class CalibrationBin(BaseModel):
    """Held-out posts whose predicted probability falls in [lower, upper)."""

    lower: float
    upper: float
    n: int
    mean_predicted: float
    observed_rate: float


class RealisedCalibration(BaseModel):
    """The briefs' predictions scored on what their posts did (measured briefs only)."""

    n: int
    n_top_quartile: int = 0
    mean_predicted: float | None = None
    observed_rate: float | None = None
    brier: float | None = None
    brier_base_rate: float | None = Field(default=None, description="Of her base rate when each brief was made")
    skill: float | None = None
    skill_ci: list[float] | None = None
    calibration: list[CalibrationBin] = Field(default_factory=list)
    acted_on: bool = Field(
        default=False,
        description=f"At least {MIN_REALISED} measured briefs: a skill interval below 0 withdraws the score",
    )


class ViralityReport(BaseModel):
    """How the model was fitted and how well it predicted posts it had not seen."""

    status: Literal["ok", "insufficient_history"]
    label_rule: str = LABEL_RULE
    evaluation: str = EVALUATION_RULE
    n_posts: int
    n_train: int = 0
    n_test: int = 0
    base_rate: float
    brier: float | None = None
    brier_base_rate: float | None = None
    skill: float | None = None
    skill_ci: list[float] | None = None
    auc: float | None = None
    earned: bool = Field(default=False, description="The skill's 95 % interval lies above 0")
    calibration: list[CalibrationBin] = Field(default_factory=list)
    coefficients: dict[str, float] = Field(default_factory=dict)
    realised: RealisedCalibration | None = None


class LevelEffect(BaseModel):
    """One level's log rate ratio against her typical post, as the pattern model found it."""

    attribute: str
    level: str
    metric: str
    log_ratio: float


class ViralityModel(BaseModel):
    """Pattern scores per metric, weighted per platform by a fitted logistic model."""

    effects: list[LevelEffect] = Field(default_factory=list)
    weights: dict[str, float] = Field(default_factory=dict)  # "platform:metric" -> weight
    intercept: float
    covariance: list[list[float]] = Field(default_factory=list)  # of (intercept, *weights)
    report: ViralityReport

    def predict(self, attribute_levels: Mapping[str, str], platform: str) -> float:
        """Probability in [0, 1] that a post with these levels on this platform is in her top quartile."""
        return self.predict_interval(attribute_levels, platform)[0]

    def predict_interval(self, attribute_levels: Mapping[str, str], platform: str) -> tuple[float, float, float]:
        """(probability, low, high): the 95 % interval from the logistic fit's covariance (the pattern
        effects' own uncertainty is not in it)."""
        if self.report.status != "ok":
            return self.report.base_rate, self.report.base_rate, self.report.base_rate
        scores = pattern_scores(self.effects, attribute_levels)
        x = np.array(
            [1.0]
            + [
                scores.get(key.split(":", 1)[1], 0.0) if key.split(":", 1)[0] == platform else 0.0
                for key in self.weights
            ]
        )
        logit = float(x @ np.array([self.intercept, *self.weights.values()]))
        se = math.sqrt(max(float(x @ np.array(self.covariance) @ x), 0.0)) if self.covariance else 0.0
        low, mid, high = _sigmoid(np.array([logit - Z95 * se, logit, logit + Z95 * se]))
        return float(mid), float(low), float(high)

    def levels_used(self) -> set[str]:
        """ "attribute=level" of every level the score responds to."""
        return {f"{e.attribute}={e.level}" for e in self.effects if e.level != UNKNOWN}

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict that `from_json_dict` turns back into the same model."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> ViralityModel:
        return cls.model_validate(data)


def pattern_scores(effects: list[LevelEffect], attribute_levels: Mapping[str, str | None]) -> dict[str, float]:
    """metric -> sum of log ratios of the levels carried (an unknown level takes the unknown ratio)."""
    scores: dict[str, float] = {}
    by_attribute: dict[tuple[str, str], dict[str, float]] = {}
    for e in effects:
        by_attribute.setdefault((e.metric, e.attribute), {})[e.level] = e.log_ratio
    for (metric, attribute), ratios in by_attribute.items():
        level = attribute_levels.get(attribute)
        scores[metric] = scores.get(metric, 0.0) + ratios.get(level if level is not None else UNKNOWN, 0.0)
    return scores


def level_effects(result: PatternResult) -> list[LevelEffect]:
    """The findings (and the unknown level of their attributes) as log ratios."""
    rows = result.levels.filter(pl.col("status").is_in(["finding", "unknown"]))
    return [
        LevelEffect(attribute=r["attribute"], level=r["level"], metric=r["metric"], log_ratio=math.log(r["ratio"]))
        for r in rows.iter_rows(named=True)
    ]


def virality_labels(posts: pl.DataFrame) -> pl.DataFrame:
    """post_id, platform, posted_at, score, label (1 = top quartile) for posts with any measured rate."""
    parts = []
    for metric in ("save_rate", "share_rate"):
        rates = rate_frame(posts, metric)
        percentile = pl.col("relative_rate").rank("average").over("platform") / pl.len().over("platform")
        parts.append(rates.select("post_id", percentile.alias(metric)))
    scores = (
        parts[0]
        .join(parts[1], on="post_id", how="full", coalesce=True)
        .with_columns(pl.mean_horizontal("save_rate", "share_rate").alias("score"))
    )
    meta = posts.select(pl.col("post_id").cast(pl.Utf8), pl.col("platform").cast(pl.Utf8), "posted_at")
    return (
        meta.join(scores.select("post_id", "score"), on="post_id", how="inner")
        .with_columns(
            ((pl.col("score").rank("average").over("platform") / pl.len().over("platform")) > TOP_QUANTILE)
            .cast(pl.Int8)
            .alias("label")
        )
        .sort("posted_at", "post_id")
    )


def fit_virality_model(
    posts: pl.DataFrame,
    attributes: pl.DataFrame,
    *,
    patterns: PatternResult | None = None,
    fit_patterns: PatternFitter | None = None,
    seed: int = 0,
    realised: RealisedCalibration | None = None,
) -> ViralityModel:
    """Evaluate on time-ordered blocks, then fit on everything (`patterns`: the full-history result;
    `realised`: the briefs' realised calibration, see the module docstring)."""
    fit_patterns = fit_patterns or (lambda p, a: detect_patterns(p, a))
    labels = virality_labels(posts)
    y = labels.get_column("label").to_numpy().astype(float)
    if len(y) < MIN_HISTORY:
        # Top quartile by construction: 25 % is the honest prior; a few posts' mean would be noise.
        base = 1 - TOP_QUANTILE
        return ViralityModel(
            intercept=_logit(base),
            report=ViralityReport(status="insufficient_history", n_posts=len(y), base_rate=base, realised=realised),
        )
    levels = _levels_by_post(attributes)
    ids = labels.get_column("post_id").to_list()
    platforms = labels.get_column("platform").to_list()
    measured = _measured_pairs(posts)
    predicted, base_predicted, tested = [], [], []
    cuts = [int(len(y) * c) for c in EVALUATION_CUTS]
    for start, end in zip(cuts[:-1], cuts[1:]):
        train_ids = set(ids[:start])
        fold = fit_patterns(
            posts.filter(pl.col("post_id").cast(pl.Utf8).is_in(train_ids)),
            attributes.filter(pl.col("post_id").cast(pl.Utf8).is_in(train_ids)),
        )
        keys, x = _features(level_effects(fold), levels, ids, platforms, measured)
        beta = _fit_logistic(x[:start], y[:start], L2)
        predicted.append(_sigmoid(x[start:end] @ beta))
        base_predicted.append(np.full(end - start, y[:start].mean()))
        tested.append(y[start:end])
    p, b, t = np.concatenate(predicted), np.concatenate(base_predicted), np.concatenate(tested)
    brier, brier_base = float(np.mean((p - t) ** 2)), float(np.mean((b - t) ** 2))
    skill_ci = _skill_interval(p, b, t, np.random.default_rng(seed))
    effects = level_effects(patterns if patterns is not None else fit_patterns(posts, attributes))
    keys, x = _features(effects, levels, ids, platforms, measured)
    final = _fit_logistic(x, y, L2)
    covariance = _covariance(x, final, L2)
    report = ViralityReport(
        status="ok",
        n_posts=len(y),
        n_train=cuts[0],
        n_test=len(t),
        base_rate=float(y.mean()),
        brier=brier,
        brier_base_rate=brier_base,
        skill=1 - brier / brier_base if brier_base > 0 else None,
        skill_ci=skill_ci,
        auc=auc(p, t),
        earned=skill_ci is not None and skill_ci[0] > 0 and not _refuted(realised),
        calibration=_calibration(p, t),
        coefficients=dict(zip(keys, (float(w) for w in final[1:]))),
        realised=realised,
    )
    return ViralityModel(
        effects=effects,
        weights=report.coefficients,
        intercept=float(final[0]),
        covariance=covariance.tolist(),
        report=report,
    )


def realised_calibration(
    predicted: np.ndarray, observed: np.ndarray, base_rates: np.ndarray, *, seed: int = 0
) -> RealisedCalibration:
    """Brier of the briefs' predicted probabilities on whether their posts reached her top quartile, against
    the base rate each brief was made with; skill with a bootstrap 95 % interval (from 10 briefs on)."""
    predicted, observed = np.asarray(predicted, dtype=float), np.asarray(observed, dtype=float)
    n = len(predicted)
    if n == 0:
        return RealisedCalibration(n=0)
    base = np.asarray(base_rates, dtype=float)
    brier, brier_base = float(np.mean((predicted - observed) ** 2)), float(np.mean((base - observed) ** 2))
    skill_ci = _skill_interval(predicted, base, observed, np.random.default_rng(seed)) if n >= 10 else None
    return RealisedCalibration(
        n=n,
        n_top_quartile=int(observed.sum()),
        mean_predicted=float(predicted.mean()),
        observed_rate=float(observed.mean()),
        brier=brier,
        brier_base_rate=brier_base,
        skill=1 - brier / brier_base if brier_base > 0 else None,
        skill_ci=skill_ci,
        calibration=_calibration(predicted, observed),
        acted_on=n >= MIN_REALISED,
    )


def _refuted(realised: RealisedCalibration | None) -> bool:
    """Enough measured briefs, and their skill interval lies wholly below 0."""
    return realised is not None and realised.acted_on and realised.skill_ci is not None and realised.skill_ci[1] < 0


def _levels_by_post(attributes: pl.DataFrame) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for post_id, attribute, level in known_levels(attributes).iter_rows():
        out.setdefault(post_id, {})[attribute] = level
    return out


def _measured_pairs(posts: pl.DataFrame) -> list[str]:
    """ "platform:metric" for every platform where the metric is measured, in a stable order."""
    pairs: list[str] = []
    for metric in ("save_rate", "share_rate"):
        pairs.extend(f"{p}:{metric}" for p in sorted(set(rate_frame(posts, metric).get_column("platform"))))
    return pairs


def _features(
    effects: list[LevelEffect],
    levels: dict[str, dict[str, str]],
    ids: list[str],
    platforms: list[str],
    pairs: list[str],
) -> tuple[list[str], np.ndarray]:
    """Intercept + one column per measured (platform, metric): the post's pattern score on its platform."""
    x = np.zeros((len(ids), len(pairs) + 1))
    x[:, 0] = 1.0
    column = {pair: j + 1 for j, pair in enumerate(pairs)}
    for i, (post_id, platform) in enumerate(zip(ids, platforms)):
        for metric, score in pattern_scores(effects, levels.get(post_id, {})).items():
            j = column.get(f"{platform}:{metric}")
            if j is not None:
                x[i, j] = score
    return pairs, x


def _fit_logistic(x: np.ndarray, y: np.ndarray, l2: float, *, max_iter: int = 50) -> np.ndarray:
    """Newton/IRLS for L2-penalised logistic regression; column 0 is the unpenalised intercept."""
    beta = np.zeros(x.shape[1])
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(max_iter):
        p = _sigmoid(x @ beta)
        gradient = x.T @ (p - y) + penalty * beta
        hessian = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1])
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.max(np.abs(step)) < 1e-8:
            break
    return beta


def _covariance(x: np.ndarray, beta: np.ndarray, l2: float) -> np.ndarray:
    """Inverse of the penalised information at the fit: the coefficients' covariance."""
    p = _sigmoid(x @ beta)
    penalty = np.full(x.shape[1], l2)
    penalty[0] = 0.0
    return np.linalg.inv((x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty) + 1e-9 * np.eye(x.shape[1]))


def auc(predicted: np.ndarray, y: np.ndarray) -> float | None:
    """Area under the ROC curve (Mann-Whitney, ties counted half); None without both classes."""
    positives = y == 1
    n_pos, n_neg = int(positives.sum()), int((~positives).sum())
    if n_pos == 0 or n_neg == 0:
        return None
    ranks = pl.Series(predicted).rank("average").to_numpy()
    return float((ranks[positives].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg))


def _skill_interval(p: np.ndarray, b: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> list[float] | None:
    """95 % percentile bootstrap interval of the Brier skill over held-out posts."""
    idx = rng.integers(0, len(y), size=(BOOTSTRAP_DRAWS, len(y)))
    model_loss = ((p[idx] - y[idx]) ** 2).sum(axis=1)
    base_loss = ((b[idx] - y[idx]) ** 2).sum(axis=1)
    valid = base_loss > 0
    if valid.sum() < 0.9 * BOOTSTRAP_DRAWS:
        return None
    skill = 1 - model_loss[valid] / base_loss[valid]
    low, high = np.quantile(skill, [0.025, 0.975])
    return [float(low), float(high)]


def _calibration(predicted: np.ndarray, y: np.ndarray) -> list[CalibrationBin]:
    # k / bins, not linspace: linspace's 0.6000000000000001 put a prediction of 0.6 in the bin below.
    edges = np.arange(CALIBRATION_BINS + 1) / CALIBRATION_BINS
    which = np.clip(np.digitize(predicted, edges) - 1, 0, CALIBRATION_BINS - 1)
    return [
        CalibrationBin(
            lower=float(edges[b]),
            upper=float(edges[b + 1]),
            n=int((which == b).sum()),
            mean_predicted=float(predicted[which == b].mean()),
            observed_rate=float(y[which == b].mean()),
        )
        for b in range(CALIBRATION_BINS)
        if (which == b).any()
    ]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
