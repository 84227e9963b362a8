"""Posts per creator and platform: drawn attributes, planted effects, lifetime counters, daily history.

Posts are drawn week by week from a seed of (seed, creator, platform, week number), so moving `today`
forward keeps every older post and adds new ones; counters grow with a post's age and saturate.
"""
from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from scripts.sandbox.captions import write_caption, youtube_title
from scripts.sandbox.creators import PLATFORM_CODE, CreatorProfile
from shared.attributes import LEVELS

EPOCH_MONDAY = date(2020, 1, 6)
HISTORY_DAYS = 730

# Saves and shares per view by platform; None where the platform does not expose the counter.
BASE_RATES: dict[str, dict[str, float | None]] = {
    "instagram": {"save_rate": 0.012, "share_rate": 0.006},
    "youtube": {"save_rate": None, "share_rate": 0.003},
    "pinterest": {"save_rate": 0.015, "share_rate": None},
    "tiktok": {"save_rate": None, "share_rate": 0.007},
}
RATE_NOISE_SIGMA = 0.25
VIDEO_ONLY = ("duration_bucket", "hook_speed", "audio_type")
_DURATION_RANGE = {"under_15s": (6, 14.9), "15_30s": (15, 29.9), "30_60s": (30, 59.9), "60_180s": (60, 180),
                   "over_180s": (181, 1500)}
_HOUR_RANGE = {"morning": (6, 11), "midday": (11, 15), "afternoon": (15, 18), "evening": (18, 22), "night": (22, 30)}
_HOOK_SECONDS = {"instant": (0.2, 0.95), "fast": (1.0, 3.0), "slow": (3.2, 7.0)}
_SKIP_RATE = {"instant": 18.0, "fast": 30.0, "slow": 46.0}
_EARLY_DROP = {"instant": 0.12, "fast": 0.25, "slow": 0.42}


@dataclass
class PostTable:
    """All posts of one creator on one platform as of `as_of`, newest first."""

    platform: str
    creator: CreatorProfile
    seed: int
    as_of: datetime
    ids: list[str]
    ts: np.ndarray  # unix seconds, UTC
    kind: list[str]  # REELS/IMAGE/CAROUSEL_ALBUM, short/long, image/video, video
    attrs: list[dict[str, str | None]]
    duration_s: np.ndarray  # nan when the post has no duration (images); IG keeps it hidden
    hook_s: np.ndarray
    final: dict[str, np.ndarray]  # lifetime asymptote of each counter
    expected: dict[str, np.ndarray]  # expected save/share rate per view (nan when not exposed)
    tau_days: np.ndarray
    avg_view_fraction: np.ndarray
    skip_rate: np.ndarray
    _text: dict[int, dict] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def index_of(self) -> dict[str, int]:
        return {pid: i for i, pid in enumerate(self.ids)}

    def saturation(self, at: datetime | np.ndarray) -> np.ndarray:
        """Share of its lifetime counters each post has collected at a time (0 before publication)."""
        at_s = at.timestamp() if isinstance(at, datetime) else at
        age_days = np.clip((at_s - self.ts) / 86400.0, 0.0, None)
        return 1.0 - np.exp(-age_days / self.tau_days)

    def counters(self, i: int, at: datetime | None = None) -> dict[str, int]:
        """Integer counters of one post at a time (default: as_of); monotone in time."""
        at_s = (at or self.as_of).timestamp()
        age = max(0.0, (at_s - float(self.ts[i])) / 86400.0)
        s = 1.0 - np.exp(-age / float(self.tau_days[i]))
        return {name: int(np.floor(values[i] * s)) for name, values in self.final.items()
                if not np.isnan(values[i])}

    def text(self, i: int) -> dict:
        """Caption/title/cues of one post, written on first use and cached."""
        if i not in self._text:
            rng = random.Random(f"{self.seed}:{self.creator.index}:{self.platform}:{self.ids[i]}")
            max_chars = 150 if self.platform == "tiktok" else None
            item, caption, cues = write_caption(self.attrs[i], self.creator.niche, rng, max_chars)
            title = youtube_title(item, cues) if self.platform == "youtube" else item.title()
            self._text[i] = {"caption": caption, "title": title[:100], "cues": cues}
        return self._text[i]

    def daily(self, names: tuple[str, ...]) -> np.ndarray:
        """Per-day increments (HISTORY_DAYS x len(names)) of counters summed over posts, oldest day first."""
        key = ("daily", names)
        cache = self.__dict__.setdefault("_daily", {})
        if key not in cache:
            start = self.as_of - timedelta(days=HISTORY_DAYS)
            edges = start.timestamp() + 86400.0 * np.arange(HISTORY_DAYS + 1)
            finals = np.stack([np.nan_to_num(self.final[n]) for n in names], axis=1).astype(np.float32)
            out = np.zeros((HISTORY_DAYS, len(names)), dtype=np.float64)
            for lo in range(0, len(self.ids), 256):
                ts = self.ts[lo:lo + 256][None, :]
                tau = self.tau_days[lo:lo + 256][None, :]
                age = np.clip((edges[:, None] - ts) / 86400.0, 0.0, None)
                sat = (1.0 - np.exp(-age / tau)).astype(np.float32)
                out += np.diff(sat, axis=0) @ finals[lo:lo + 256]
            cache[key] = out
        return cache[key]

    def history_dates(self) -> list[date]:
        start = (self.as_of - timedelta(days=HISTORY_DAYS)).date()
        return [start + timedelta(days=d) for d in range(HISTORY_DAYS)]


def effect_lifts(effects: list[dict]) -> dict[tuple[str, str, str], float]:
    return {(e["attribute"], e["level"], e["metric"]): float(e["lift"]) for e in effects}


def _levels_for(platform: str, attribute: str) -> tuple[str, ...]:
    if platform == "tiktok" and attribute == "caption_length":
        return ("short", "medium")  # 150-character descriptions cannot hold a long caption
    return LEVELS[attribute]


def generate_posts(seed: int, creator: CreatorProfile, platform: str, today: date,
                   effects: list[dict]) -> PostTable:
    """Draw the creator's posts on a platform for the two years before `today`."""
    as_of = datetime(today.year, today.month, today.day, tzinfo=timezone.utc)
    tz = ZoneInfo(creator.time_zone)
    lifts = effect_lifts(effects)
    first_week = ((today - timedelta(days=HISTORY_DAYS + 7)) - EPOCH_MONDAY).days // 7
    last_week = (today - EPOCH_MONDAY).days // 7
    rows: dict[str, list] = {k: [] for k in ("id", "ts", "kind", "attrs", "dur", "hook", "views", "save_rate",
                                             "share_rate", "like", "comment", "z", "u")}
    for week in range(first_week, last_week + 1):
        rng = np.random.default_rng([seed, creator.index, PLATFORM_CODE[platform], week])
        n = int(rng.poisson(creator.posts_per_week[platform]))
        if n == 0:
            continue
        week_start = EPOCH_MONDAY + timedelta(days=7 * week)
        u = rng.random((n, 24))
        z = rng.standard_normal((n, 8))
        for k in range(n):
            _draw_post(platform, creator, tz, week, week_start, k, u[k], z[k], lifts, rows)
    ts = np.array(rows["ts"], dtype=np.float64)
    keep = (ts < as_of.timestamp()) & (ts >= as_of.timestamp() - HISTORY_DAYS * 86400)
    order = np.argsort(-ts[keep], kind="stable")
    idx = np.flatnonzero(keep)[order]
    pick = lambda name: [rows[name][i] for i in idx]  # noqa: E731
    return _assemble(platform, creator, seed, as_of, pick, idx, rows)


def _draw_post(platform: str, creator: CreatorProfile, tz: ZoneInfo, week: int, week_start: date, k: int,
               u: np.ndarray, z: np.ndarray, lifts: dict, rows: dict) -> None:
    kind = _kind(platform, u[0])
    is_video = kind not in ("IMAGE", "CAROUSEL_ALBUM", "image")
    attrs: dict[str, str | None] = {}
    for j, attribute in enumerate(LEVELS):
        levels = _levels_for(platform, attribute)
        attrs[attribute] = levels[min(int(u[1 + j] * len(levels)), len(levels) - 1)]
    if not is_video:
        for attribute in VIDEO_ONLY:
            attrs[attribute] = None
    hidden_bucket = attrs["duration_bucket"]
    if platform == "instagram":
        attrs["duration_bucket"] = None  # IG exposes no duration: the bucket stays unobservable
        if is_video:
            hidden_bucket = ("under_15s", "15_30s", "30_60s", "60_180s")[min(int(u[11] * 4), 3)]
    if platform == "youtube":
        kind = "long" if attrs["duration_bucket"] == "over_180s" else "short"
    duration = float("nan")
    if hidden_bucket is not None:
        lo, hi = _DURATION_RANGE[hidden_bucket]
        if platform == "tiktok" and hidden_bucket == "over_180s":
            hi = 600
        duration = round(lo + (hi - lo) * u[12], 0 if platform != "pinterest" else 3)
        if platform != "pinterest":
            duration = float(min(max(duration, np.ceil(lo)), np.floor(hi)))
    hook = float("nan")
    if attrs["hook_speed"] is not None:
        lo, hi = _HOOK_SECONDS[attrs["hook_speed"]]
        hook = lo + (hi - lo) * u[13]
    # Weekday/weekend and posting time are rendered as the local timestamp.
    day = int(u[14] * 5) if attrs["weekday"] == "weekday" else 5 + int(u[14] * 2)
    lo_h, hi_h = _HOUR_RANGE[attrs["posting_time"]]
    hour = lo_h + int(u[15] * (hi_h - lo_h))
    # Hours past midnight are the small hours of the same local date, so the weekday level holds.
    local_day = week_start + timedelta(days=day)
    local = datetime(local_day.year, local_day.month, local_day.day, hour % 24, int(u[16] * 60), int(u[17] * 60),
                     tzinfo=tz)
    ts = local.astimezone(timezone.utc).timestamp()
    local_back = datetime.fromtimestamp(ts, tz)
    attrs["weekday"] = _weekday_level(local_back.date())  # stays true to the rendered timestamp
    # Expected rates: base x creator x planted lifts x noise.
    rates = {}
    for j, metric in enumerate(("save_rate", "share_rate")):
        base = BASE_RATES[platform][metric]
        if base is None:
            rates[metric] = float("nan")
            continue
        lift = 1.0
        for attribute, level in attrs.items():
            if level is not None:
                lift *= lifts.get((attribute, level, metric), 1.0)
        rates[metric] = base * creator.rate_factor * lift * float(np.exp(RATE_NOISE_SIGMA * z[1 + j]
                                                                          - RATE_NOISE_SIGMA ** 2 / 2))
    rows["id"].append(_post_id(platform, creator.index, week, k))
    rows["ts"].append(ts)
    rows["kind"].append(kind)
    rows["attrs"].append(attrs)
    rows["dur"].append(duration)
    rows["hook"].append(hook)
    rows["save_rate"].append(rates["save_rate"])
    rows["share_rate"].append(rates["share_rate"])
    rows["z"].append(z)
    rows["u"].append(u)


def _weekday_level(day: date) -> str:
    return "weekend" if day.weekday() >= 5 else "weekday"


def _kind(platform: str, u: float) -> str:
    if platform == "instagram":
        return "REELS" if u < 0.55 else ("IMAGE" if u < 0.8 else "CAROUSEL_ALBUM")
    if platform == "pinterest":
        return "video" if u < 0.35 else "image"
    return "video"


def _post_id(platform: str, creator: int, week: int, k: int) -> str:
    if platform == "instagram":
        return f"18{creator:06d}{week:05d}{k:03d}"
    if platform == "pinterest":
        return f"9{creator:07d}{week:05d}{k:03d}00"
    if platform == "tiktok":
        return f"73{creator:07d}{week:05d}{k:03d}00"
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    n = (creator * 100003 + week) * 64 + k
    out = []
    for _ in range(11):
        out.append(alphabet[n % 64])
        n //= 64
    return "".join(reversed(out))


_REACH_MULT = {"REELS": 0.45, "IMAGE": 0.22, "CAROUSEL_ALBUM": 0.3, "short": 0.5, "long": 0.22,
               "image": 1.4, "video": 1.9}
_TAU = {"instagram": 1.5, "tiktok": 2.5, "youtube": 4.0, "pinterest": 40.0}
_LIKE_RATE = {"instagram": 0.05, "youtube": 0.035, "pinterest": 0.004, "tiktok": 0.07}


def _assemble(platform: str, creator: CreatorProfile, seed: int, as_of: datetime, pick, idx, rows) -> PostTable:
    ts = np.array(pick("ts"), dtype=np.float64)
    kinds = pick("kind")
    z = np.array(pick("z")).reshape(len(idx), 8)
    u = np.array(pick("u")).reshape(len(idx), 24)
    post_days = [datetime.fromtimestamp(t, timezone.utc).date() for t in ts]
    followers = np.array([creator.followers_on(platform, d) for d in post_days], dtype=np.float64)
    mult = np.array([_REACH_MULT.get(k, 0.9) if platform != "tiktok" else 0.9 for k in kinds])
    views = np.floor(followers * mult * np.exp(1.0 * z[:, 0] - 0.5) + 20)
    save_rate = np.array(pick("save_rate"))
    share_rate = np.array(pick("share_rate"))
    saves = np.where(np.isnan(save_rate), np.nan,
                     np.maximum(0, np.round(views * save_rate + np.sqrt(views * np.nan_to_num(save_rate)) * z[:, 3])))
    shares = np.where(np.isnan(share_rate), np.nan,
                      np.maximum(0, np.round(views * share_rate
                                             + np.sqrt(views * np.nan_to_num(share_rate)) * z[:, 4])))
    likes = np.floor(views * _LIKE_RATE[platform] * np.exp(0.3 * z[:, 5]))
    comments = np.floor(likes * 0.08 * np.exp(0.4 * z[:, 6]))
    duration = np.array(pick("dur"), dtype=np.float64)
    hook = np.array(pick("hook"), dtype=np.float64)
    attrs = pick("attrs")
    hook_level = [a["hook_speed"] for a in attrs]
    early = np.array([_EARLY_DROP.get(h or "", 0.25) for h in hook_level])
    is_long = np.array([k == "long" for k in kinds])
    avg_fraction = np.clip((1 - early) * np.where(is_long, 0.42, 0.78) * np.exp(0.1 * z[:, 7]), 0.05, 1.2)
    skip = np.array([_SKIP_RATE.get(h or "", np.nan) for h in hook_level]) * np.exp(0.12 * z[:, 2])
    tau = np.full(len(idx), _TAU[platform]) * np.where(is_long, 4.0, 1.0) * (0.7 + 0.6 * u[:, 20])
    final = {"views": views, "saves": saves, "shares": shares, "likes": likes, "comments": comments,
             "watch_minutes": np.where(np.isnan(duration), np.nan, views * duration * avg_fraction / 60.0),
             "reach": views * (0.55 + 0.25 * u[:, 21]),
             "follows": np.floor(views * 0.0008 * (1 + u[:, 22])),
             "profile_visits": np.floor(views * 0.004 * (1 + u[:, 23])),
             "clicks": np.floor(views * 0.012 * np.exp(0.3 * z[:, 5])),
             "outbound_clicks": np.floor(views * 0.004 * np.exp(0.3 * z[:, 6]))}
    if platform == "pinterest":
        video = np.array([k == "video" for k in kinds])
        final["video_starts"] = np.where(video, np.floor(views * 0.5), np.nan)
        final["video_views"] = np.where(video, np.floor(views * 0.35), np.nan)
        final["video_10s"] = np.where(video, np.floor(views * 0.35 * np.minimum(1, avg_fraction)), np.nan)
        final["video_q95"] = np.where(video, np.floor(views * 0.5 * avg_fraction * 0.4), np.nan)
    return PostTable(
        platform=platform, creator=creator, seed=seed, as_of=as_of, ids=pick("id"), ts=ts, kind=kinds,
        attrs=attrs, duration_s=duration, hook_s=hook, final=final,
        expected={"save_rate": save_rate, "share_rate": share_rate}, tau_days=tau,
        avg_view_fraction=avg_fraction, skip_rate=skip,
    )


def retention_curve(table: PostTable, i: int) -> list[tuple[float, float, float]]:
    """100 points (elapsedVideoTimeRatio, audienceWatchRatio, relativeRetentionPerformance)."""
    level = table.attrs[i]["hook_speed"] or "fast"
    early = _EARLY_DROP[level]
    duration = float(table.duration_s[i]) if not np.isnan(table.duration_s[i]) else 60.0
    hook_ratio = min(0.3, float(table.hook_s[i] if not np.isnan(table.hook_s[i]) else 2.0) / duration)
    decay = 1.3 if table.kind[i] == "long" else 0.45
    relative = {"instant": 0.72, "fast": 0.52, "slow": 0.3}[level]
    points = []
    for step in range(1, 101):
        x = step / 100
        drop = early * min(1.0, x / max(hook_ratio, 0.01))
        watch = (1 - drop) * np.exp(-decay * x)
        wiggle = 0.01 * np.sin(step * 1.7 + i)
        points.append((round(x, 2), round(float(max(0.0, watch + wiggle)), 4),
                       round(float(np.clip(relative + wiggle * 3, 0, 1)), 4)))
    return points
