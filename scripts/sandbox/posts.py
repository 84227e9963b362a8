"""Posts per creator and platform: drawn attributes, planted effects, lifetime counters, daily history.

Posts are drawn week by week from a seed of (seed, creator, platform, week number), so moving `today`
forward keeps every older post and adds new ones; counters grow with a post's age and saturate.

The world is exact where the analysis checks it: every noise term has its own draw (no metric shares
another's noise), a post's save and share counts are Poisson around views x expected rate (so a planted
lift holds exactly in expectation), and counters read at a time round with a fixed per-post offset
(floor(x + w), w uniform), which is unbiased however small the count.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import cached_property
from zoneinfo import ZoneInfo

import numpy as np

from scripts.sandbox.captions import write_caption, youtube_title
from scripts.sandbox.creators import PLATFORM_CODE, REFERENCE_DATE, CreatorProfile
from shared.attributes import LEVELS, duration_bucket

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
_DURATION_RANGE = {
    "under_15s": (6, 14.9),
    "15_30s": (15, 29.9),
    "30_60s": (30, 59.9),
    "60_180s": (60, 180),
    "over_180s": (181, 1500),
}
_HOUR_RANGE = {"morning": (6, 11), "midday": (11, 15), "afternoon": (15, 18), "evening": (18, 22), "night": (22, 30)}
_HOOK_SECONDS = {"instant": (0.2, 0.95), "fast": (1.0, 3.0), "slow": (3.2, 7.0)}
# Each hook level renders a platform signal that reads back as that level under the extractor's cut
# points (skip rate < 25 % instant, > 45 % slow; early retention >= 0.75 instant, < 0.55 slow) for
# about 98 % of posts, as a hook that lands at once or late would show in real insights.
_SKIP_RATE = {"instant": 15.0, "fast": 33.0, "slow": 58.0}
_EARLY_DROP = {"instant": 0.12, "fast": 0.25, "slow": 0.5}
# Viewers lost before the hook leave within this share of the video (the first seconds).
_HOOK_WINDOW = 0.05
N_UNIFORMS, N_NORMALS = 26, 12


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
    attrs: LazyAttrs
    duration_s: np.ndarray  # nan when the post has no duration (images); IG keeps it hidden
    hook_s: np.ndarray
    final: dict[str, np.ndarray]  # lifetime asymptote of each counter
    expected: dict[str, np.ndarray]  # expected save/share rate per view (nan when not exposed)
    planted_lift: dict[str, np.ndarray]  # product of the planted lifts a post carries, per metric
    tau_days: np.ndarray
    avg_view_fraction: np.ndarray
    skip_rate: np.ndarray
    round_offset: np.ndarray  # per-post w in [0, 1): counters read as floor(value x saturation + w)
    _text: dict[int, dict] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def index_of(self) -> dict[str, int]:
        return {pid: i for i, pid in enumerate(self.ids)}

    def saturation(self, at: datetime | float | np.ndarray) -> np.ndarray:
        """Share of its lifetime counters each post has collected at a time (0 before publication)."""
        at_s = at.timestamp() if isinstance(at, datetime) else at
        age_days = np.clip((at_s - self.ts) / 86400.0, 0.0, None)
        return 1.0 - np.exp(-age_days / self.tau_days)

    def counters(self, i: int, at: datetime | None = None) -> dict[str, int]:
        """Integer counters of one post at a time (default: as_of); monotone in time."""
        if at is None:
            s = self._saturation_now[i]
        else:
            age = max(0.0, (at.timestamp() - float(self.ts[i])) / 86400.0)
            s = float(1.0 - np.exp(-age / float(self.tau_days[i])))
        w = self._round_offset[i]
        return {name: math.floor(value * s + w) for name, value in self._finals(i)}

    def counters_series(self, i: int, at_s: Sequence[float]) -> list[dict[str, int]]:
        """`counters(i, t)` for many unix times t at once (same values, one vectorised exp)."""
        age = np.maximum(0.0, (np.asarray(at_s, dtype=np.float64) - float(self.ts[i])) / 86400.0)
        saturation = (1.0 - np.exp(-age / float(self.tau_days[i]))).tolist()
        finals, w = self._finals(i), self._round_offset[i]
        return [{name: math.floor(value * s + w) for name, value in finals} for s in saturation]

    def _finals(self, i: int) -> list[tuple[str, float]]:
        """The (counter, lifetime value) pairs post i has (nan = not exposed), as Python floats; cached."""
        cache = self.__dict__.setdefault("_final_pairs", {})
        pairs = cache.get(i)
        if pairs is None:
            pairs = cache[i] = [(name, col[i]) for name, col in self._final_columns if col[i] == col[i]]
        return pairs

    @cached_property
    def _final_columns(self) -> list[tuple[str, list[float]]]:
        return [(name, values.tolist()) for name, values in self.final.items()]

    @cached_property
    def _round_offset(self) -> list[float]:
        return self.round_offset.tolist()

    @cached_property
    def _saturation_now(self) -> list[float]:
        # Elementwise np.exp over an array gives the same bits as np.exp on each scalar.
        age = np.maximum(0.0, (self.as_of.timestamp() - self.ts.astype(np.float64)) / 86400.0)
        return (1.0 - np.exp(-age / self.tau_days.astype(np.float64))).tolist()

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
                ts = self.ts[lo : lo + 256][None, :]
                tau = self.tau_days[lo : lo + 256][None, :]
                age = np.clip((edges[:, None] - ts) / 86400.0, 0.0, None)
                sat = (1.0 - np.exp(-age / tau)).astype(np.float32)
                out += np.diff(sat, axis=0) @ finals[lo : lo + 256]
            cache[key] = out
        return cache[key]

    def history_dates(self) -> list[date]:
        start = (self.as_of - timedelta(days=HISTORY_DAYS)).date()
        return [start + timedelta(days=d) for d in range(HISTORY_DAYS)]


def effect_lifts(effects: list[dict], platform: str) -> list[tuple[str, str, str, float]]:
    """(attribute, level, metric, lift) of the lifts planted on this platform (or on every platform)."""
    return [
        (e["attribute"], e["level"], e["metric"], float(e["lift"]))
        for e in effects
        if "lift" in e and e.get("platform") in (None, platform)
    ]


def _apply_co_occurrences(platform: str, effects: list[dict], level_idx: dict[str, np.ndarray], u: np.ndarray) -> None:
    """Posts at a `given` level take the linked level with its probability (one uniform per post)."""
    for rule in (e for e in effects if "given" in e):
        ((given_attribute, given_level),) = rule["given"].items()
        given_levels, levels = _levels_for(platform, given_attribute), _levels_for(platform, rule["attribute"])
        if given_level not in given_levels or rule["level"] not in levels:
            continue
        hit = (level_idx[given_attribute] == given_levels.index(given_level)) & (u < rule["probability"])
        level_idx[rule["attribute"]] = np.where(hit, levels.index(rule["level"]), level_idx[rule["attribute"]])


def _levels_for(platform: str, attribute: str) -> tuple[str, ...]:
    if platform == "tiktok" and attribute == "caption_length":
        return ("short", "medium")  # 150-character descriptions cannot hold a long caption
    return LEVELS[attribute]


def generate_posts(
    seed: int, creator: CreatorProfile, platform: str, today: date, effects: list[dict], published: Sequence[dict] = ()
) -> PostTable:
    """Draw the creator's posts on a platform for the two years before `today` (vectorised: benchmarks
    touch 1,000 creators), plus the posts published through the admin API (`published_post`) so far."""
    as_of = datetime(today.year, today.month, today.day, tzinfo=timezone.utc)
    u, z, week_arr, k_arr = _draws(seed, creator, platform)
    first_week = ((today - timedelta(days=HISTORY_DAYS + 7)) - EPOCH_MONDAY).days // 7
    last_week = (today - EPOCH_MONDAY).days // 7
    window = (week_arr >= first_week) & (week_arr <= last_week)
    u, z, week_arr, k_arr = u[window], z[window], week_arr[window], k_arr[window]
    all_ids = [_post_id(platform, creator.index, int(w), int(k)) for w, k in zip(week_arr, k_arr)]
    n_drawn = len(u)
    if published:
        extra = [_published_draws(seed, creator, platform, post) for post in published]
        u, z = np.vstack([u, *(e[0] for e in extra)]), np.vstack([z, *(e[1] for e in extra)])
        all_ids += [post["id"] for post in published]
    kinds = _kinds(platform, u[:, 0])
    level_idx = {}
    for j, attribute in enumerate(LEVELS):
        n_levels = len(_levels_for(platform, attribute))
        level_idx[attribute] = np.minimum((u[:, 1 + j] * n_levels).astype(int), n_levels - 1)
    _apply_co_occurrences(platform, effects, level_idx, u[:, 25])
    given = _given_levels(platform, creator, published, kinds, level_idx, n_drawn)
    is_video = ~np.isin(kinds, ("IMAGE", "CAROUSEL_ALBUM", "image"))
    known = {a: np.ones(len(u), dtype=bool) for a in LEVELS}
    for attribute in VIDEO_ONLY:
        known[attribute] = is_video.copy()
    for row, post_known in given.items():
        for attribute, is_known in post_known.items():
            known[attribute][row] = known[attribute][row] and is_known
    buckets = LEVELS["duration_bucket"]
    hidden = level_idx["duration_bucket"].copy()
    if platform == "instagram":
        known["duration_bucket"][:] = False  # IG exposes no duration: the bucket stays unobservable
        hidden = np.minimum((u[:, 11] * 4).astype(int), 3)
        hidden[n_drawn:] = level_idx["duration_bucket"][n_drawn:]
    if platform == "youtube":
        kinds = np.where(hidden == buckets.index("over_180s"), "long", "short")
    lo = np.array([_DURATION_RANGE[b][0] for b in buckets])[hidden]
    hi = np.array([_DURATION_RANGE[b][1] for b in buckets])[hidden]
    if platform == "tiktok":
        hi = np.where(hidden == buckets.index("over_180s"), 600, hi)
    duration = lo + (hi - lo) * u[:, 12]
    duration = (
        np.round(duration, 3) if platform == "pinterest" else np.clip(np.round(duration), np.ceil(lo), np.floor(hi))
    )
    for row, post in zip(range(n_drawn, len(u)), published):
        if post.get("duration_s") is not None:
            duration[row] = float(post["duration_s"])
    duration = np.where(is_video, duration, np.nan)
    hook_levels = LEVELS["hook_speed"]
    hook_lo = np.array([_HOOK_SECONDS[h][0] for h in hook_levels])[level_idx["hook_speed"]]
    hook_hi = np.array([_HOOK_SECONDS[h][1] for h in hook_levels])[level_idx["hook_speed"]]
    hook = np.where(known["hook_speed"], hook_lo + (hook_hi - hook_lo) * u[:, 13], np.nan)
    ts = np.concatenate(
        [
            _timestamps(creator, u[:n_drawn], week_arr, level_idx, n_drawn),
            np.array([float(post["timestamp"]) for post in published]),
        ]
    )
    rates = _expected_rates(platform, creator, z, level_idx, known, effect_lifts(effects, platform))
    keep = (ts < as_of.timestamp()) & (ts >= as_of.timestamp() - HISTORY_DAYS * 86400)
    idx = np.flatnonzero(keep)[np.argsort(-ts[keep], kind="stable")]
    attrs = LazyAttrs(platform, {a: level_idx[a][idx] for a in LEVELS}, {a: known[a][idx] for a in LEVELS})
    ids = [all_ids[i] for i in idx]
    table = _assemble(
        platform,
        creator,
        seed,
        as_of,
        ids,
        ts[idx],
        [str(k) for k in kinds[idx]],
        attrs,
        duration[idx],
        hook[idx],
        rates[0][idx],
        rates[1][idx],
        u[idx],
        z[idx],
        {metric: lift[idx] for metric, lift in rates[2].items()},
    )
    for post in published:
        if post["id"] in table.index_of:
            table._text[table.index_of[post["id"]]] = _published_text(post)
    return table


# Posts published through the admin API ------------------------------------------------------------


def published_post(platform: str, creator: CreatorProfile, serial: int, body: dict) -> dict:
    """A post a test or the demo publishes for a creator: caption, title, time, the attributes it was made
    with (camera, audio, format, hook, duration), and its media kind; validated, with an id in the
    platform's own shape. Posting time, weekday and the caption's own levels follow from time and text."""
    from scripts.sandbox.config import SandboxConfigError

    caption = body.get("caption")
    if not isinstance(caption, str) or not caption.strip() or len(caption) > 2200:
        raise SandboxConfigError("caption must be 1-2200 characters")
    if platform == "tiktok" and len(caption) > 150:
        raise SandboxConfigError("TikTok descriptions here are at most 150 characters")
    try:
        moment = datetime.fromisoformat(str(body.get("posted_at")).replace("Z", "+00:00"))
    except ValueError:
        raise SandboxConfigError("posted_at must be an ISO 8601 date-time with a time zone") from None
    if moment.tzinfo is None:
        raise SandboxConfigError("posted_at must carry a time zone")
    attributes = dict(body.get("attributes") or {})
    for attribute, level in attributes.items():
        if level is not None and level not in LEVELS.get(attribute, ()):
            raise SandboxConfigError(f"unknown level {level!r} of {attribute!r}")
    kind = body.get("kind") or _DEFAULT_KIND[platform]
    if kind not in _PUBLISHED_KINDS[platform]:
        raise SandboxConfigError(f"kind on {platform} is one of {list(_PUBLISHED_KINDS[platform])}")
    duration = body.get("duration_s")
    if duration is not None and not (isinstance(duration, (int, float)) and 1 <= duration <= 3600):
        raise SandboxConfigError("duration_s must be 1-3600 seconds")
    if duration is None and kind not in ("IMAGE", "CAROUSEL_ALBUM", "image"):
        default = "over_180s" if kind == "long" else "30_60s"
        low, high = _DURATION_RANGE[attributes.get("duration_bucket") or default]
        duration = float(round((low + high) / 2))
    if duration is not None:
        attributes["duration_bucket"] = duration_bucket(duration)
    title = body.get("title")
    return {
        "id": _published_id(platform, creator.index, serial),
        "timestamp": moment.timestamp(),
        "caption": caption.strip(),
        "title": (title or caption.split(".")[0]).strip()[:100],
        "attributes": attributes,
        "kind": kind,
        "duration_s": duration,
    }


_DEFAULT_KIND = {"instagram": "REELS", "youtube": "short", "pinterest": "video", "tiktok": "video"}
_PUBLISHED_KINDS = {
    "instagram": ("REELS", "IMAGE", "CAROUSEL_ALBUM"),
    "youtube": ("short", "long"),
    "pinterest": ("video", "image"),
    "tiktok": ("video",),
}


def _published_id(platform: str, creator: int, serial: int) -> str:
    # Outside the drawn posts' id space (their week numbers stay below MAX_WEEK).
    if platform == "instagram":
        return f"19{creator:06d}{serial:08d}"
    if platform == "pinterest":
        return f"8{creator:07d}{serial:08d}00"
    if platform == "tiktok":
        return f"74{creator:07d}{serial:08d}00"
    return _post_id("youtube", creator, MAX_WEEK + serial, 63)


def _published_draws(seed: int, creator: CreatorProfile, platform: str, post: dict) -> tuple[np.ndarray, ...]:
    """The noise of a published post: its own stream, so publishing one post changes no other post."""
    from scripts.sandbox.creators import stable_seed

    rng = np.random.default_rng(stable_seed(seed, creator.index, platform, "published", post["id"]))
    return rng.random((1, N_UNIFORMS)), rng.standard_normal((1, N_NORMALS))


def _given_levels(
    platform: str,
    creator: CreatorProfile,
    published: Sequence[dict],
    kinds: np.ndarray,
    level_idx: dict[str, np.ndarray],
    n_drawn: int,
) -> dict[int, dict[str, bool]]:
    """Write the published posts' levels and kinds into the drawn arrays (row n_drawn + i is post i);
    returns which attributes each of them has (a level given as null, or not given, is not known)."""
    from shared.attribute_cues import CTA_PHRASES
    from shared.attributes import HAS_CTA, HAS_QUESTION, caption_length, posting_time

    known: dict[int, dict[str, bool]] = {}
    for row, post in zip(range(n_drawn, n_drawn + len(published)), published):
        local = datetime.fromtimestamp(post["timestamp"], timezone.utc).astimezone(ZoneInfo(creator.time_zone))
        text = post["caption"]
        levels = {
            **post["attributes"],
            "posting_time": posting_time(local.hour),
            "weekday": _weekday_level(local.date()),
            "caption_length": caption_length(text),
            HAS_QUESTION: "yes" if "?" in text else "no",
            HAS_CTA: "yes" if any(p in text.lower() for p in CTA_PHRASES) else "no",
        }
        kinds[row] = post["kind"]
        known[row] = {}
        for attribute in LEVELS:
            level = levels.get(attribute)
            choices = _levels_for(platform, attribute)
            known[row][attribute] = level in choices
            if level in choices:
                level_idx[attribute][row] = choices.index(level)
    return known


def _published_text(post: dict) -> dict:
    from scripts.sandbox.captions import mentioned_cues

    found = mentioned_cues(post["caption"])
    cues = {attribute: sorted(levels)[0] for attribute, levels in found.items() if attribute != "cta"}
    return {"caption": post["caption"], "title": post["title"], "cues": cues}


MAX_WEEK = 1200  # weeks after EPOCH_MONDAY drawn up front (to 2043): a post's draws never depend on `today`


def _draws(seed: int, creator: CreatorProfile, platform: str) -> tuple[np.ndarray, ...]:
    """Every week's posts for one creator and platform: uniforms, normals, week number, index in week."""
    rng = np.random.default_rng([seed, creator.index, PLATFORM_CODE[platform]])
    counts = rng.poisson(creator.posts_per_week[platform], size=MAX_WEEK)
    total = int(counts.sum())
    week_arr = np.repeat(np.arange(MAX_WEEK), counts)
    k_arr = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    return rng.random((total, N_UNIFORMS)), rng.standard_normal((total, N_NORMALS)), week_arr, k_arr


class LazyAttrs(Sequence):
    """Per-post attribute dicts, built only for the posts someone looks at."""

    def __init__(self, platform: str, level_idx: dict[str, np.ndarray], known: dict[str, np.ndarray]) -> None:
        self._platform, self._idx, self._known = platform, level_idx, known
        self._levels = {a: _levels_for(platform, a) for a in LEVELS}
        self._cache: dict[int, dict] = {}

    def __len__(self) -> int:
        return len(self._idx["weekday"])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i not in self._cache:
            self._cache[i] = {a: (self._levels[a][self._idx[a][i]] if self._known[a][i] else None) for a in LEVELS}
        return self._cache[i]

    def level_of(self, attribute: str) -> list[str | None]:
        """One attribute's level for every post (for vectorised consumers)."""
        levels = self._levels[attribute]
        return [levels[k] if ok else None for k, ok in zip(self._idx[attribute], self._known[attribute])]


def _kinds(platform: str, u: np.ndarray) -> np.ndarray:
    if platform == "instagram":
        return np.where(u < 0.55, "REELS", np.where(u < 0.8, "IMAGE", "CAROUSEL_ALBUM"))
    if platform == "pinterest":
        return np.where(u < 0.35, "video", "image")
    return np.full(len(u), "video")


def _timestamps(
    creator: CreatorProfile, u: np.ndarray, week_arr: np.ndarray, level_idx: dict, n: int | None = None
) -> np.ndarray:
    """UTC seconds whose local date and hour render the drawn weekday and posting_time levels (of the
    first `n` posts, the drawn ones)."""
    tz = ZoneInfo(creator.time_zone)
    level_idx = {a: idx[:n] for a, idx in level_idx.items()}
    weekend = np.array(LEVELS["weekday"])[level_idx["weekday"]] == "weekend"
    day = np.where(weekend, 5 + (u[:, 14] * 2).astype(int), (u[:, 14] * 5).astype(int))
    times = LEVELS["posting_time"]
    h_lo = np.array([_HOUR_RANGE[t][0] for t in times])[level_idx["posting_time"]]
    h_hi = np.array([_HOUR_RANGE[t][1] for t in times])[level_idx["posting_time"]]
    # Hours past midnight are the small hours of the same local date, so the weekday level holds.
    hour = (h_lo + (u[:, 15] * (h_hi - h_lo)).astype(int)) % 24
    local_ordinal = EPOCH_MONDAY.toordinal() + 7 * week_arr + day
    offsets = {}
    for ordinal in np.unique(local_ordinal):
        d = date.fromordinal(int(ordinal))
        # Noon's offset: DST switches happen in the small hours of a Sunday, which stay night and weekend.
        offset_at_noon = datetime(d.year, d.month, d.day, 12, tzinfo=tz).utcoffset()
        offsets[ordinal] = offset_at_noon.total_seconds() if offset_at_noon is not None else 0.0
    offset = np.array([offsets[o] for o in local_ordinal])
    local_s = (
        (local_ordinal - date(1970, 1, 1).toordinal()) * 86400.0
        + hour * 3600
        + (u[:, 16] * 60).astype(int) * 60
        + (u[:, 17] * 60).astype(int)
    )
    return local_s - offset


def _expected_rates(
    platform: str,
    creator: CreatorProfile,
    z: np.ndarray,
    level_idx: dict,
    known: dict,
    lifts: list[tuple[str, str, str, float]],
) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Base x creator x planted lifts x lognormal noise (nan where the platform has no such counter), and
    each post's planted lift per metric (the truth an oracle would know). An engagement_rate lift
    multiplies every engagement: saves and shares here, likes and comments in `_assemble`."""

    def lift_of(metric: str) -> np.ndarray:
        lift = np.ones(len(z))
        for attribute, level, eff_metric, value in lifts:
            levels = _levels_for(platform, attribute)
            if eff_metric == metric and level in levels:
                lift *= np.where(known[attribute] & (level_idx[attribute] == levels.index(level)), value, 1.0)
        return lift

    engagement = lift_of("engagement_rate")
    out, planted = [], {"engagement_rate": engagement}
    for j, metric in enumerate(("save_rate", "share_rate")):
        lift = lift_of(metric) * engagement
        base = BASE_RATES[platform][metric]
        planted[metric] = lift if base is not None else np.full(len(z), np.nan)
        if base is None:
            out.append(np.full(len(z), np.nan))
            continue
        noise = np.exp(RATE_NOISE_SIGMA * z[:, 1 + j] - RATE_NOISE_SIGMA**2 / 2)
        out.append(base * creator.rate_factor * lift * noise)
    return out[0], out[1], planted


def _weekday_level(day: date) -> str:
    return "weekend" if day.weekday() >= 5 else "weekday"


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


_REACH_MULT = {
    "REELS": 0.45,
    "IMAGE": 0.22,
    "CAROUSEL_ALBUM": 0.3,
    "short": 0.5,
    "long": 0.22,
    "image": 1.4,
    "video": 1.9,
}
_TAU = {"instagram": 1.5, "tiktok": 2.5, "youtube": 4.0, "pinterest": 40.0}
_LIKE_RATE = {"instagram": 0.05, "youtube": 0.035, "pinterest": 0.004, "tiktok": 0.07}


def _assemble(
    platform: str,
    creator: CreatorProfile,
    seed: int,
    as_of: datetime,
    ids: list[str],
    ts: np.ndarray,
    kinds: list[str],
    attrs: LazyAttrs,
    duration: np.ndarray,
    hook: np.ndarray,
    save_rate: np.ndarray,
    share_rate: np.ndarray,
    u: np.ndarray,
    z: np.ndarray,
    planted: dict[str, np.ndarray],
) -> PostTable:
    days = (ts // 86400).astype(int) - (REFERENCE_DATE - date(1970, 1, 1)).days
    followers = np.maximum(150.0, creator.followers_ref[platform] * np.exp(creator.growth_per_day[platform] * days))
    kind_arr = np.array(kinds)
    mult = np.full(len(kinds), 0.9)
    if platform != "tiktok":
        for kind in set(kinds):
            mult[kind_arr == kind] = _REACH_MULT.get(kind, 0.9)
    views = np.floor(followers * mult * np.exp(1.0 * z[:, 0] - 0.5) + 20)
    saves = np.where(np.isnan(save_rate), np.nan, poisson_counts(views * np.nan_to_num(save_rate), u[:, 18], z[:, 3]))
    shares = np.where(
        np.isnan(share_rate), np.nan, poisson_counts(views * np.nan_to_num(share_rate), u[:, 19], z[:, 4])
    )
    # Like and comment noise have mean 1 (lognormal, corrected), so a planted engagement lift is exact in
    # expectation up to the floor.
    engagement = planted["engagement_rate"]
    likes = np.floor(views * _LIKE_RATE[platform] * engagement * np.exp(0.3 * z[:, 5] - 0.045))
    comments = np.floor(views * _LIKE_RATE[platform] * 0.08 * engagement * np.exp(0.5 * z[:, 6] - 0.125))
    hook_level = attrs.level_of("hook_speed")
    early = np.array([_EARLY_DROP.get(h or "", 0.25) for h in hook_level])
    is_long = kind_arr == "long"
    avg_fraction = np.clip((1 - early) * np.where(is_long, 0.42, 0.78) * np.exp(0.1 * z[:, 7]), 0.05, 1.2)
    skip = np.array([_SKIP_RATE.get(h or "", np.nan) for h in hook_level]) * np.exp(0.12 * z[:, 8])
    tau = np.full(len(ids), _TAU[platform]) * np.where(is_long, 4.0, 1.0) * (0.7 + 0.6 * u[:, 20])
    final = {
        "views": views,
        "saves": saves,
        "shares": shares,
        "likes": likes,
        "comments": comments,
        "watch_minutes": np.where(np.isnan(duration), np.nan, views * duration * avg_fraction / 60.0),
        "reach": views * (0.55 + 0.25 * u[:, 21]),
        "follows": np.floor(views * 0.0008 * (1 + u[:, 22])),
        "profile_visits": np.floor(views * 0.004 * (1 + u[:, 23])),
        "clicks": np.floor(views * 0.012 * np.exp(0.3 * z[:, 9])),
        "outbound_clicks": np.floor(views * 0.004 * np.exp(0.3 * z[:, 10])),
    }
    if platform == "pinterest":
        video = np.array([k == "video" for k in kinds])
        final["video_starts"] = np.where(video, np.floor(views * 0.5), np.nan)
        final["video_views"] = np.where(video, np.floor(views * 0.35), np.nan)
        final["video_10s"] = np.where(video, np.floor(views * 0.35 * np.minimum(1, avg_fraction)), np.nan)
        final["video_q95"] = np.where(video, np.floor(views * 0.5 * avg_fraction * 0.4), np.nan)
    return PostTable(
        platform=platform,
        creator=creator,
        seed=seed,
        as_of=as_of,
        ids=ids,
        ts=ts,
        kind=kinds,
        attrs=attrs,
        duration_s=duration,
        hook_s=hook,
        final=final,
        expected={"save_rate": save_rate, "share_rate": share_rate},
        planted_lift=planted,
        tau_days=tau,
        avg_view_fraction=avg_fraction,
        skip_rate=skip,
        round_offset=u[:, 24],
    )


def poisson_counts(mean: np.ndarray, u: np.ndarray, z: np.ndarray) -> np.ndarray:
    """Poisson(mean) draws, one per post from its own uniform u (inverse CDF) or, for means over 40, its own
    normal z (mean + sqrt(mean) z, rounded; below 0 has probability < 1e-10): E[count] = mean."""
    mean = np.asarray(mean, dtype=np.float64)
    out = np.maximum(0.0, np.round(mean + np.sqrt(mean) * z))
    small = mean <= 40
    if small.any():
        lam, target = mean[small], u[small]
        k = np.zeros(len(lam))
        term = np.exp(-lam)
        cdf = term.copy()
        for step in range(1, 200):
            below = target > cdf
            if not below.any():
                break
            k += below
            term = term * lam / step
            cdf = cdf + term
        out[small] = k
    return out


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
        drop = early * min(1.0, x / max(min(hook_ratio, _HOOK_WINDOW), 0.01))
        watch = (1 - drop) * np.exp(-decay * x)
        wiggle = 0.01 * np.sin(step * 1.7 + i)
        points.append(
            (
                round(x, 2),
                round(float(max(0.0, watch + wiggle)), 4),
                round(float(np.clip(relative + wiggle * 3, 0, 1)), 4),
            )
        )
    return points
