"""Seed sweep: the pattern detector and the virality model checked against the truth the sandbox planted.

For each effect file and seed, a one-creator sandbox world (clock frozen at --today) is fetched through
the real platform clients; attributes are extracted by the same rules the service uses; detection and
the virality model run as `run_pattern_detection` runs them (window --window-days). Prints markdown
tables (the README keeps the latest):

    uv run python -m scripts.sweep_patterns [--seeds 10] [--today 2026-11-20] [--window-days 730]
"""

from __future__ import annotations

import argparse
import json
import math
import statistics
import time
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

SCENARIOS = Path(__file__).resolve().parent / "sandbox" / "scenarios"
EFFECT_SETS = {
    "demo": "demo_effects.json",
    "format_timing": "effects_format_timing.json",
    "caption_angle": "effects_caption_angle.json",
    "confounded": "effects_confounded.json",
    "none": None,
}
FDR, NULL_FDR = 0.05, 0.1


@dataclass
class Run:
    """One seed of one effect set: what was planted, what was said, how the score did."""

    seed: int
    planted: dict[tuple[str, str, str], dict[str, Any]] = field(default_factory=dict)  # key -> outcome
    unplanted: list[tuple[str, str, str]] = field(default_factory=list)
    mirrors: list[tuple[str, str, str]] = field(default_factory=list)
    null_findings: int = 0  # at NULL_FDR (the world without effects only)
    virality: dict[str, Any] = field(default_factory=dict)
    oracle_skill: float | None = None


def run_one(seed: int, effects: list[dict], today: date, window_days: int) -> Run:
    """Fetch one world, detect, fit, compare with the truth."""
    from scripts.sandbox import start_sandbox
    from scripts.sandbox.fetched import fetch_creator_posts, post_rows
    from shared import clock
    from shared.engines.attribute_rules import extract_attributes
    from shared.engines.patterns import detect_patterns, findings
    from shared.engines.virality import fit_virality_model
    from shared.services.patterns import TOP_N, posts_frame

    with clock.frozen_at(today) as now, start_sandbox(seed=seed, creators=1, effects=effects) as sandbox:
        records = fetch_creator_posts(sandbox, 0)
        zone = sandbox.creators()[0]["time_zone"]
        oracle = _planted_lifts(sandbox, records)
    posts = posts_frame(post_rows(records)).filter(pl.col("posted_at") >= now - timedelta(days=window_days))
    attributes = extract_attributes(posts, zone)
    result = detect_patterns(posts, attributes, top_n=TOP_N, fdr=FDR)
    model = fit_virality_model(
        posts, attributes, patterns=result, fit_patterns=lambda p, a: detect_patterns(p, a, top_n=TOP_N, fdr=FDR)
    )
    run = Run(seed=seed, virality=model.report.model_dump(), oracle_skill=_oracle_skill(posts, oracle))
    planted = {(e["attribute"], e["level"], e["metric"]): e["lift"] for e in effects if "lift" in e}
    stated = {(f.attribute, f.level, f.metric): f for f in findings(result)}
    verdicts = {(r["attribute"], r["metric"]): r["verdict"] for r in result.coverage.iter_rows(named=True)}
    for key, lift in planted.items():
        f = stated.get(key)
        run.planted[key] = {
            "lift": lift,
            "testable": verdicts[(key[0], key[2])] != "not_testable",
            "found": f is not None,
            "ratio": f.ratio if f else None,
            "covered": bool(f and f.ci_low <= lift <= f.ci_high),
        }
    lifted = {(a, m) for a, _, m in planted}
    for key in stated:
        if key not in planted:
            (run.mirrors if (key[0], key[2]) in lifted else run.unplanted).append(key)
    if not planted:
        run.null_findings = len(findings(detect_patterns(posts, attributes, top_n=TOP_N, fdr=NULL_FDR)))
    return run


def _planted_lifts(sandbox: Any, records: list[Any]) -> dict[str, tuple[float, float]]:
    """post id -> (planted save lift, planted share lift) from the sandbox's ground truth."""
    import httpx

    out = {}
    for platform in ("instagram", "youtube", "pinterest", "tiktok"):
        body = httpx.get(f"{sandbox.base_url}/_sandbox/posts/{platform}/0", timeout=60).json()
        for post in body["posts"]:
            out[f"{platform}:{post['id']}"] = (post["planted_save_lift"] or 1.0, post["planted_share_lift"] or 1.0)
    return out


def _oracle_skill(posts: pl.DataFrame, lifts: dict[str, tuple[float, float]]) -> float | None:
    """Skill of a model told each post's true planted lifts, evaluated exactly as hers is: the ceiling."""
    from shared.engines.virality import EVALUATION_CUTS, L2, _fit_logistic, _sigmoid, virality_labels

    labels = virality_labels(posts)
    y = labels.get_column("label").to_numpy().astype(float)
    if len(y) < 40:
        return None
    platforms = labels.get_column("platform").to_list()
    features = []
    for post_id, platform in zip(labels.get_column("post_id").to_list(), platforms):
        save, share = lifts.get(post_id, (1.0, 1.0))
        features.append(
            [
                1.0,
                math.log(save) if platform in ("instagram", "pinterest") else 0.0,
                math.log(share) if platform in ("instagram", "youtube", "tiktok") else 0.0,
            ]
        )
    x = np.array(features)
    cuts = [int(len(y) * c) for c in EVALUATION_CUTS]
    loss = base_loss = 0.0
    for start, end in zip(cuts[:-1], cuts[1:]):
        p = _sigmoid(x[start:end] @ _fit_logistic(x[:start], y[:start], L2))
        loss += float(np.sum((p - y[start:end]) ** 2))
        base_loss += float(np.sum((y[:start].mean() - y[start:end]) ** 2))
    return 1 - loss / base_loss if base_loss else None


def _fmt(values: list[float], spec: str = "+.1%") -> str:
    if not values:
        return "—"
    return f"{statistics.median(values):{spec}} ({min(values):{spec}} to {max(values):{spec}})"


def report(results: dict[str, list[Run]]) -> str:
    """The three markdown tables: planted effects, false and mirror findings, virality skill."""
    lines = [
        "| effect set | planted effect | lift | testable | found | CI covers lift | median ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        for key in runs[0].planted if runs else {}:
            outcomes = [r.planted[key] for r in runs]
            testable = [o for o in outcomes if o["testable"]]
            found = [o for o in testable if o["found"]]
            ratios = [o["ratio"] for o in found]
            lines.append(
                f"| {name} | {key[0]}={key[1]} on {key[2]} | {outcomes[0]['lift']} | "
                f"{len(testable)}/{len(runs)} | {len(found)}/{len(testable)} | "
                f"{sum(o['covered'] for o in found)}/{len(found)} | "
                f"{statistics.median(ratios):.2f} |"
                if ratios
                else f"| {name} | {key[0]}={key[1]} on {key[2]} | {outcomes[0]['lift']} | "
                f"{len(testable)}/{len(runs)} | 0/{len(testable)} | — | — |"
            )
    lines += [
        "",
        "| effect set | runs | findings on unplanted attributes | mirror findings | "
        f"runs with any finding at FDR {NULL_FDR} (no-effect world) |",
        "|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        null = f"{sum(r.null_findings > 0 for r in runs)}/{len(runs)}" if not runs[0].planted else "—"
        lines.append(
            f"| {name} | {len(runs)} | {sum(len(r.unplanted) for r in runs)} | "
            f"{sum(len(r.mirrors) for r in runs)} | {null} |"
        )
    lines += [
        "",
        "| effect set | skill, median (min to max) | earned (95% CI of skill > 0) | AUC | "
        "oracle skill (true planted lifts) | calibration, pooled: predicted → observed (n) |",
        "|---|---|---|---|---|---|",
    ]
    for name, runs in results.items():
        v = [r.virality for r in runs if r.virality.get("status") == "ok"]
        lines.append(
            f"| {name} | {_fmt([x['skill'] for x in v])} | {sum(x['earned'] for x in v)}/{len(v)} | "
            f"{_fmt([x['auc'] for x in v], '.2f')} | "
            f"{_fmt([r.oracle_skill for r in runs if r.oracle_skill is not None])} | "
            f"{_pooled_calibration(v)} |"
        )
    return "\n".join(lines)


def _pooled_calibration(reports: list[dict[str, Any]]) -> str:
    bins: dict[float, list[float]] = {}
    for r in reports:
        for b in r["calibration"]:
            acc = bins.setdefault(b["lower"], [0.0, 0.0, 0.0])
            acc[0] += b["mean_predicted"] * b["n"]
            acc[1] += b["observed_rate"] * b["n"]
            acc[2] += b["n"]
    return ", ".join(f"{p / n:.2f}→{o / n:.2f} ({int(n)})" for _, (p, o, n) in sorted(bins.items()) if n)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--today", default="2026-11-20")
    parser.add_argument("--window-days", type=int, default=730)
    parser.add_argument("--sets", nargs="*", default=list(EFFECT_SETS))
    args = parser.parse_args()
    today = date.fromisoformat(args.today)
    results: dict[str, list[Run]] = {}
    started = time.perf_counter()
    for name in args.sets:
        path = EFFECT_SETS[name]
        effects = json.loads((SCENARIOS / path).read_text()) if path else []
        results[name] = [run_one(seed, effects, today, args.window_days) for seed in range(1, args.seeds + 1)]
    print(report(results))
    print(
        f"\n{args.seeds} seeds per set, sandbox day {today}, window {args.window_days} days, "
        f"FDR {FDR}; {time.perf_counter() - started:.0f} s"
    )


if __name__ == "__main__":
    main()
