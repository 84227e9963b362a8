"""Probability that a post lands in the creator's own top quartile, from its attribute levels.

Statistical choices:
- Label: each measurable rate (saves/views, shares/views; views >= 50) becomes a percentile
  rank among the creator's posts on the same platform; a post's score is the mean of the
  percentiles it has (TikTok and YouTube posts without saves use shares alone). A post is
  positive when its score is in the top quartile of its platform's scores, so every platform
  contributes ~25 % positives whatever its base rates. Percentiles use the whole history.
- Features: one-hot attribute levels from the shared vocabulary (unknown = all zeros for that
  attribute) plus one-hot platform.
- Model: L2-regularised logistic regression fitted by Newton/IRLS in numpy; the intercept is
  not penalised; the penalty is picked from L2_GRID by 5-fold cross-validated log loss on the
  training part.
- Evaluation: time-based hold-out of the latest 25 % of posts; Brier score against the Brier
  of always predicting the training base rate (skill = 1 - brier / brier_base_rate), plus
  calibration bins. The reported model is then refitted on all posts with the chosen penalty.
- Under MIN_HISTORY labelled posts the model answers the label's base rate (0.25 by construction)
  and says so (status insufficient_history).
"""
from __future__ import annotations

import math
from typing import Any, Literal

import numpy as np
import polars as pl
from pydantic import BaseModel, Field

from shared.attributes import LEVELS
from shared.engines.patterns import relative_rates

MIN_HISTORY = 60
TOP_QUANTILE = 0.75
TEST_FRACTION = 0.25
L2_GRID = (0.3, 1.0, 3.0, 10.0, 30.0)
CV_FOLDS = 5
CALIBRATION_BINS = 5
LABEL_RULE = ("mean of platform percentile ranks of save and share rate (those measured), "
              "top quartile within platform")


class CalibrationBin(BaseModel):
    """Held-out posts whose predicted probability falls in [lower, upper)."""

    lower: float
    upper: float
    n: int
    mean_predicted: float
    observed_rate: float


class ViralityReport(BaseModel):
    """How the model was fitted and how well it predicted the latest posts."""

    status: Literal["ok", "insufficient_history"]
    label_rule: str = LABEL_RULE
    n_posts: int
    n_train: int = 0
    n_test: int = 0
    base_rate: float
    brier: float | None = None
    brier_base_rate: float | None = None
    skill: float | None = None
    l2: float | None = None
    calibration: list[CalibrationBin] = Field(default_factory=list)
    coefficients: dict[str, float] = Field(default_factory=dict)


class ViralityModel(BaseModel):
    """A fitted logistic model over one-hot features named "attribute=level" and "platform=name"."""

    features: list[str] = Field(default_factory=list)
    weights: list[float] = Field(default_factory=list)
    intercept: float
    report: ViralityReport

    def predict(self, attribute_levels: dict[str, str], platform: str) -> float:
        """Probability in [0, 1] that a post with these levels on this platform is top quartile."""
        if self.report.status != "ok":
            return self.report.base_rate
        present = {f"{a}={lv}" for a, lv in attribute_levels.items()} | {f"platform={platform}"}
        logit = self.intercept + sum(w for f, w in zip(self.features, self.weights) if f in present)
        return float(_sigmoid(np.array([logit]))[0])

    def to_json_dict(self) -> dict[str, Any]:
        """A JSON-ready dict that `from_json_dict` turns back into the same model."""
        return self.model_dump(mode="json")

    @classmethod
    def from_json_dict(cls, data: dict[str, Any]) -> ViralityModel:
        return cls.model_validate(data)


def virality_labels(posts: pl.DataFrame) -> pl.DataFrame:
    """post_id, platform, posted_at, score, label (1 = top quartile) for posts with any measured rate."""
    parts = []
    for metric in ("save_rate", "share_rate"):
        rates = relative_rates(posts, metric)
        percentile = pl.col("rate").rank("average").over("platform") / pl.len().over("platform")
        parts.append(rates.select("post_id", percentile.alias(metric)))
    scores = (parts[0].join(parts[1], on="post_id", how="full", coalesce=True)
              .with_columns(pl.mean_horizontal("save_rate", "share_rate").alias("score")))
    meta = posts.select(pl.col("post_id").cast(pl.Utf8), "platform", "posted_at")
    return (meta.join(scores.select("post_id", "score"), on="post_id", how="inner")
            .with_columns(((pl.col("score").rank("average").over("platform") / pl.len().over("platform"))
                           > TOP_QUANTILE).cast(pl.Int8).alias("label"))
            .sort("posted_at", "post_id"))


def fit_virality_model(posts: pl.DataFrame, attributes: pl.DataFrame, *, seed: int = 0) -> ViralityModel:
    """Fit, evaluate on the latest 25 % of posts, then refit on everything."""
    labels = virality_labels(posts)
    y = labels.get_column("label").to_numpy().astype(float)
    if len(y) < MIN_HISTORY:
        # Top quartile by construction: 25 % is the honest prior; a few posts' mean would be noise.
        base = 1 - TOP_QUANTILE
        return ViralityModel(intercept=_logit(base), report=ViralityReport(
            status="insufficient_history", n_posts=len(y), base_rate=base))
    features, x = _design(labels, attributes)
    n_test = math.ceil(TEST_FRACTION * len(y))
    train, test = slice(0, len(y) - n_test), slice(len(y) - n_test, len(y))
    l2 = _choose_l2(x[train], y[train], np.random.default_rng(seed))
    beta = _fit_logistic(x[train], y[train], l2)
    predicted = _sigmoid(x[test] @ beta)
    base = float(y[train].mean())
    brier = float(np.mean((predicted - y[test]) ** 2))
    brier_base = float(np.mean((base - y[test]) ** 2))
    final = _fit_logistic(x, y, l2)
    report = ViralityReport(
        status="ok", n_posts=len(y), n_train=len(y) - n_test, n_test=n_test, base_rate=float(y.mean()),
        brier=brier, brier_base_rate=brier_base, l2=l2,
        skill=1 - brier / brier_base if brier_base > 0 else None,
        calibration=_calibration(predicted, y[test]),
        coefficients={f: float(w) for f, w in zip(features, final[1:])})
    return ViralityModel(features=features, weights=[float(w) for w in final[1:]], intercept=float(final[0]),
                         report=report)


def _design(labels: pl.DataFrame, attributes: pl.DataFrame) -> tuple[list[str], np.ndarray]:
    """Intercept column + one-hot features for the labelled posts, in label order."""
    vocabulary = pl.DataFrame([(a, lv) for a, levels in LEVELS.items() for lv in levels],
                              schema=["attribute", "level"], orient="row")
    known = (attributes.select(pl.col("post_id").cast(pl.Utf8), "attribute", "level")
             .join(vocabulary, on=["attribute", "level"], how="semi")
             .unique(subset=["post_id", "attribute"], keep="first")
             .select("post_id", pl.concat_str("attribute", pl.lit("="), "level").alias("feature")))
    platform = labels.select("post_id", pl.concat_str(pl.lit("platform="), "platform").alias("feature"))
    onehot = pl.concat([known.join(labels.select("post_id"), on="post_id", how="semi"), platform])
    features = sorted(onehot.get_column("feature").unique().to_list())
    row_of = {pid: i for i, pid in enumerate(labels.get_column("post_id").to_list())}
    col_of = {f: j + 1 for j, f in enumerate(features)}
    x = np.zeros((labels.height, len(features) + 1))
    x[:, 0] = 1.0
    for pid, feature in onehot.iter_rows():
        x[row_of[pid], col_of[feature]] = 1.0
    return features, x


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


def _choose_l2(x: np.ndarray, y: np.ndarray, rng: np.random.Generator) -> float:
    folds = rng.permutation(len(y)) % CV_FOLDS
    losses = []
    for l2 in L2_GRID:
        loss = 0.0
        for k in range(CV_FOLDS):
            beta = _fit_logistic(x[folds != k], y[folds != k], l2)
            p = np.clip(_sigmoid(x[folds == k] @ beta), 1e-9, 1 - 1e-9)
            loss -= float(np.sum(y[folds == k] * np.log(p) + (1 - y[folds == k]) * np.log(1 - p)))
        losses.append(loss)
    return L2_GRID[int(np.argmin(losses))]


def _calibration(predicted: np.ndarray, y: np.ndarray) -> list[CalibrationBin]:
    edges = np.linspace(0, 1, CALIBRATION_BINS + 1)
    which = np.clip(np.digitize(predicted, edges) - 1, 0, CALIBRATION_BINS - 1)
    return [CalibrationBin(lower=float(edges[b]), upper=float(edges[b + 1]), n=int((which == b).sum()),
                           mean_predicted=float(predicted[which == b].mean()),
                           observed_rate=float(y[which == b].mean()))
            for b in range(CALIBRATION_BINS) if (which == b).any()]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -35, 35)))


def _logit(p: float) -> float:
    p = min(max(p, 1e-6), 1 - 1e-6)
    return math.log(p / (1 - p))
