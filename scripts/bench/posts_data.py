"""Synthetic posts for the listing benchmark: many creators, each with her own platform mix, loaded with COPY.

Rows look like what the platform normalizers write: each platform's unknown metrics are NULL (Instagram
has no duration or completion, YouTube and TikTok no saves, Pinterest no shares, only Instagram a
reach), types follow each platform's mix, captions are craft captions with hashtags, titles exist where
the platform has them. Posts of all creators are loaded in publication order, interleaved as a daily
fetch writes them, so one creator's posts are spread over the table rather than packed together.
"""

from __future__ import annotations

import io
import random
import uuid
from datetime import datetime, timedelta, timezone
from typing import Any

PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")
TYPES = {
    "instagram": (("reel", 50), ("image", 25), ("carousel", 20), ("story", 5)),
    "youtube": (("short", 60), ("video", 40)),
    "pinterest": (("pin", 70), ("idea_pin", 10), ("video", 15), ("carousel", 5)),
    "tiktok": (("video", 100),),
}
COLUMNS = (
    "user_id",
    "platform",
    "platform_post_id",
    "title",
    "caption",
    "type",
    "url",
    "duration_s",
    "views",
    "reach",
    "likes",
    "comments",
    "saves",
    "shares",
    "watch_time_hrs",
    "avg_watch_time_s",
    "completion_rate",
    "pin_clicks",
    "outbound_clicks",
    "posted_at",
)
CRAFTS = (
    "resin",
    "crochet",
    "pottery",
    "macrame",
    "candle",
    "embroidery",
    "knitting",
    "watercolor",
    "woodwork",
    "quilting",
    "soap",
    "jewelry",
    "origami",
    "weaving",
    "glaze",
    "amigurumi",
    "terrarium",
    "linocut",
)
WORDS = (
    "handmade",
    "tutorial",
    "studio",
    "slow",
    "process",
    "cozy",
    "gift",
    "tray",
    "coaster",
    "vase",
    "mug",
    "ornament",
    "wreath",
    "shelf",
    "decor",
    "pattern",
    "beginner",
    "tips",
    "timelapse",
    "reveal",
    "before",
    "after",
    "colour",
    "mould",
    "pour",
    "stitch",
    "kiln",
    "wheel",
    "trim",
    "sand",
    "polish",
    "sunday",
    "market",
    "order",
    "packing",
    "small",
    "business",
    "maker",
    "craft",
    "diy",
    "autumn",
    "spring",
    "table",
)
EPOCH_END = datetime(2026, 11, 1, tzinfo=timezone.utc)
HISTORY_DAYS = 3 * 365


def _pick(rng: random.Random, weighted: tuple[tuple[str, int], ...]) -> str:
    return rng.choices([name for name, _ in weighted], [w for _, w in weighted])[0]


def caption(rng: random.Random, craft: str) -> str:
    words = [craft, *rng.choices(WORDS, k=rng.randint(5, 30))]
    rng.shuffle(words)
    tags = " ".join(f"#{rng.choice(CRAFTS)}" for _ in range(rng.randint(0, 6)))
    return (" ".join(words) + (" " + tags if tags else "")).capitalize()


def post_row(user_id: str, platform: str, index: int, rng: random.Random, home_craft: str) -> tuple[Any, ...]:
    """One post as the normalizers would store it (None where the platform reports nothing)."""
    kind = _pick(rng, TYPES[platform])
    craft = home_craft if rng.random() < 0.7 else rng.choice(CRAFTS)
    video = kind in ("reel", "short", "video", "idea_pin", "story")
    views = int(rng.lognormvariate(7, 1.6))
    likes, comments = int(views * rng.uniform(0, 0.08)), int(views * rng.uniform(0, 0.01))
    duration = round(rng.uniform(5, 60 if kind in ("reel", "short", "story") else 900), 1) if video else None
    reach = saves = shares = watch = avg = completion = pin_clicks = outbound = None
    title = None
    if platform == "instagram":
        reach, saves, shares = (
            int(views * rng.uniform(0.4, 0.9)),
            int(views * rng.uniform(0, 0.04)),
            int(views * rng.uniform(0, 0.02)),
        )
        duration = None  # Instagram exposes no duration
        if kind == "reel":
            watch, avg = round(views * rng.uniform(2, 20) / 3600, 3), round(rng.uniform(2, 20), 2)
    elif platform == "youtube":
        title = f"{craft.capitalize()} {rng.choice(WORDS)} {rng.choice(WORDS)}"
        shares = int(views * rng.uniform(0, 0.01))
        completion = round(rng.uniform(0.2, 1.0), 4)
        watch, avg = round(views * (duration or 30) * completion / 3600, 3), round((duration or 30) * completion, 2)
    elif platform == "pinterest":
        title = f"{craft.capitalize()} {rng.choice(WORDS)} ideas" if rng.random() < 0.8 else None
        saves, pin_clicks, outbound = (
            int(views * rng.uniform(0, 0.05)),
            int(views * rng.uniform(0, 0.03)),
            int(views * rng.uniform(0, 0.01)),
        )
        if video:
            completion = round(rng.uniform(0.05, 0.6), 4)
            watch = round(views * (duration or 10) * completion / 3600, 3)
    else:
        title = caption(rng, craft)[:80] if rng.random() < 0.3 else None
        shares = int(views * rng.uniform(0, 0.02))
    posted = EPOCH_END - timedelta(seconds=rng.randint(0, HISTORY_DAYS * 86400))
    return (
        user_id,
        platform,
        f"{platform[:2]}-{index}",
        title,
        caption(rng, craft),
        kind,
        f"https://example.com/{platform}/{index}",
        duration,
        views,
        reach,
        likes,
        comments,
        saves,
        shares,
        watch,
        avg,
        completion,
        pin_clicks,
        outbound,
        posted,
    )


def user_ids(users: int, seed: int = 7) -> list[str]:
    rng = random.Random(seed)
    return [str(uuid.UUID(int=rng.getrandbits(128), version=4)) for _ in range(users)]


def generate(users: int, posts_per_user: int, seed: int = 7) -> tuple[list[str], list[tuple[Any, ...]]]:
    """Every creator's posts, ordered by publication time across creators."""
    ids = user_ids(users, seed)
    rng = random.Random(seed + 1)
    rows: list[tuple[Any, ...]] = []
    for user_id in ids:
        # Her own mix: one main platform, the others smaller (as for most creators).
        weights = [rng.uniform(0.05, 1.0) for _ in PLATFORMS]
        weights[rng.randrange(4)] += 1.5
        home = rng.choice(CRAFTS)
        for index in range(posts_per_user):
            platform = rng.choices(PLATFORMS, weights)[0]
            rows.append(post_row(user_id, platform, index, rng, home))
    rows.sort(key=lambda row: row[-1])
    return ids, rows


def _tsv(value: Any) -> str:
    if value is None:
        return "\\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_posts(conn: Any, rows: list[tuple[Any, ...]], table: str = "posts") -> None:
    """COPY rows (in COLUMNS order) into `table`."""
    with conn.cursor().copy(f"copy {table} ({', '.join(COLUMNS)}) from stdin") as copy:
        buffer = io.StringIO()
        for i, row in enumerate(rows, 1):
            buffer.write("\t".join(map(_tsv, row)) + "\n")
            if i % 20_000 == 0:
                copy.write(buffer.getvalue())
                buffer = io.StringIO()
        copy.write(buffer.getvalue())
