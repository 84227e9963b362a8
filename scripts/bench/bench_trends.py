"""Benchmark detect_trends on 1,000,000 observation rows: time (median of 3) and peak memory.

Usage: uv run python -m scripts.bench.bench_trends [--rows N]
Baseline, measured in the same run on the same frame: a plain polars group_by mean per
(keyword, source, region). Peak memory is how far the peak RSS of a fresh subprocess rises while it
runs the step once (VmHWM reset through /proc/self/clear_refs, else ru_maxrss), because tracemalloc
cannot see polars' Rust allocations.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np
import polars as pl

TODAY = date(2024, 6, 30)
SOURCES = ("pinterest_trends", "youtube_suggest", "instagram_hashtag")
NICHE = ["eco resin", "crochet", "handmade decor", "slow crafting"]
HEADS = (
    "resin",
    "epoxy",
    "crochet",
    "amigurumi",
    "macrame",
    "boho",
    "candle",
    "pottery",
    "crypto",
    "football",
    "skincare",
    "sourdough",
    "iphone",
    "knitting",
    "yarn",
    "wall hanging",
)
TAILS = ("coasters", "tray", "ideas", "pattern", "tutorial", "decor", "gift", "haul", "review", "diy")
DAYS = 60


def observations(rows: int = 1_000_000, keywords: int = 2000, seed: int = 7) -> pl.DataFrame:
    """A deterministic frame of noisy, duplicated, gappy readings for keywords x sources."""
    rng = np.random.default_rng(seed)
    names = [f"{HEADS[i % len(HEADS)]} {TAILS[(i // len(HEADS)) % len(TAILS)]} {i}" for i in range(keywords)]
    n_series = keywords * len(SOURCES)
    series = rng.integers(0, n_series, rows)
    day = rng.integers(0, DAYS, rows)
    second = rng.integers(0, 86_400, rows)
    rate = rng.normal(0.0, 0.03, n_series)[series]
    level = rng.uniform(5, 80, n_series)[series]
    value = np.clip(level * np.exp(rate * day) * rng.lognormal(0, 0.15, rows), 0, None)
    start = datetime(TODAY.year, TODAY.month, TODAY.day, tzinfo=timezone.utc) - timedelta(days=DAYS - 1)
    stamps = np.datetime64(start.replace(tzinfo=None), "us") + (day * 86_400 + second) * 1_000_000
    return pl.DataFrame(
        {
            "keyword": pl.Series(names)[series // len(SOURCES)],
            "source": pl.Series(SOURCES)[series % len(SOURCES)],
            "region": pl.repeat("US", rows, eager=True),
            "observed_at": pl.Series(stamps).dt.replace_time_zone("UTC"),
            "value": value,
        }
    )


def baseline(obs: pl.DataFrame) -> pl.DataFrame:
    return obs.group_by(["keyword", "source", "region"]).agg(pl.col("value").mean())


def candidate(obs: pl.DataFrame) -> pl.DataFrame:
    from shared.engines.trends import detect_trends

    return detect_trends(obs, NICHE, TODAY)


def median_seconds(step, obs: pl.DataFrame, repeats: int = 3) -> float:
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        step(obs)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _status_kb(field: str) -> int | None:
    """VmRSS / VmHWM from /proc/self/status (Linux), in kB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except OSError:
        return None
    return None


def probe(path: str, step_name: str) -> None:
    """Subprocess side: load the frame, run one step once, print how far its peak RSS rose, in MB."""
    obs = pl.read_parquet(path)
    try:
        # Writing 5 resets the peak (VmHWM) so the parquet read's own peak does not hide the step's.
        Path("/proc/self/clear_refs").write_text("5")
        before, peak_field = _status_kb("VmRSS"), "VmHWM"
    except OSError:
        before, peak_field = None, None
    if before is None:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    {"baseline": baseline, "candidate": candidate}[step_name](obs)
    after = _status_kb(peak_field) if peak_field else None
    after = after or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"peak_growth_mb": (after - before) / 1024, "peak_mb": after / 1024}))


def peak_memory(path: str, step_name: str) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, "-m", "scripts.bench.bench_trends", "--probe", path, step_name],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--probe", nargs=2, metavar=("PARQUET", "STEP"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.probe:
        probe(*args.probe)
        return
    obs = observations(args.rows)
    started = time.perf_counter()
    candidate(obs)  # the first call also pays for imports and the relevance caches
    first_s = time.perf_counter() - started
    base_s, cand_s = median_seconds(baseline, obs), median_seconds(candidate, obs)
    with tempfile.TemporaryDirectory() as tmp:
        path = str(Path(tmp) / "observations.parquet")
        obs.write_parquet(path)
        base_mem, cand_mem = peak_memory(path, "baseline"), peak_memory(path, "candidate")
    result = {
        "rows": obs.height,
        "series": obs.select("keyword", "source").n_unique(),
        "polars_threads": pl.thread_pool_size(),
        "detect_trends_s": round(cand_s, 3),
        "detect_trends_first_call_s": round(first_s, 3),
        "baseline_group_by_mean_s": round(base_s, 3),
        "time_ratio_to_baseline": round(cand_s / base_s, 1),
        "detect_trends_peak_growth_mb": round(cand_mem["peak_growth_mb"], 1),
        "baseline_peak_growth_mb": round(base_mem["peak_growth_mb"], 1),
        "detect_trends_process_peak_mb": round(cand_mem["peak_mb"], 1),
    }
    for key, value in result.items():
        print(f"{key:32s} {value}")
    print(
        f"detect_trends on {obs.height:,} rows: {cand_s:.3f} s (budget 2 s) = "
        f"{cand_s / base_s:.1f}x a plain group_by mean ({base_s:.3f} s)"
    )


if __name__ == "__main__":
    main()
