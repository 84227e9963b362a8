"""Synthetic creators: who they are on each platform, how big, where, how often they post.

Everything is a pure function of (seed, creator index), so 1,000 creators cost nothing until asked.
"""

from __future__ import annotations

import hashlib
import uuid
import zlib
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np

PLATFORMS = ("instagram", "youtube", "pinterest", "tiktok")
PLATFORM_CODE = {name: i + 1 for i, name in enumerate(PLATFORMS)}

# Follower counts are defined at this date and grow (or shrink) exponentially around it, so a
# sandbox started with a later `today` sees the same creators a little bigger.
REFERENCE_DATE = date(2026, 6, 1)

NICHES: tuple[dict, ...] = (
    {
        "name": "eco resin & handmade decor",
        "items": (
            "eco resin coaster set",
            "ocean resin tray",
            "pressed flower resin bookmark",
            "epoxy resin river board",
            "resin geode wall art",
            "botanical resin keyring",
        ),
        "tags": ("#resinart", "#ecoresin", "#epoxyresin", "#handmadedecor", "#slowcrafting"),
    },
    {
        "name": "crochet & amigurumi",
        "items": (
            "crochet bee amigurumi",
            "chunky crochet blanket",
            "granny square cardigan",
            "amigurumi octopus",
            "crochet plant hanger",
            "mini crochet mushroom",
        ),
        "tags": ("#crochet", "#amigurumi", "#crochetersofinstagram", "#yarnlove", "#slowcrafting"),
    },
    {
        "name": "pottery",
        "items": (
            "speckled stoneware mug",
            "wheel-thrown bud vase",
            "hand-built ceramic planter",
            "glazed ramen bowl",
            "pinch pot trinket dish",
        ),
        "tags": ("#pottery", "#ceramics", "#stoneware", "#handmade"),
    },
    {
        "name": "candle making",
        "items": (
            "soy wax candle tin",
            "pillar candle set",
            "beeswax taper candles",
            "dried flower candle",
            "concrete candle jar",
        ),
        "tags": ("#candlemaking", "#soycandles", "#handmadecandles"),
    },
    {
        "name": "macrame",
        "items": ("macrame wall hanging", "macrame plant hanger", "boho macrame mirror", "macrame keychain"),
        "tags": ("#macrame", "#boho", "#fibreart"),
    },
    {
        "name": "embroidery",
        "items": (
            "floral embroidery hoop",
            "embroidered denim jacket",
            "botanical stitch sampler",
            "embroidered tote bag",
        ),
        "tags": ("#embroidery", "#handembroidery", "#stitching"),
    },
    {
        "name": "knitting",
        "items": ("cable knit beanie", "fair isle mittens", "chunky knit scarf", "lace shawl"),
        "tags": ("#knitting", "#knitstagram", "#handknit"),
    },
    {
        "name": "woodworking",
        "items": ("walnut cutting board", "hand-carved spoon", "live edge shelf", "wooden jewellery box"),
        "tags": ("#woodworking", "#woodcarving", "#handmade"),
    },
    {
        "name": "polymer clay",
        "items": ("polymer clay earrings", "clay charm set", "terrazzo trinket tray", "clay plant pot"),
        "tags": ("#polymerclay", "#clayearrings", "#handmadejewelry"),
    },
    {
        "name": "paper crafts",
        "items": ("junk journal spread", "paper flower bouquet", "handbound notebook", "scrapbook layout"),
        "tags": ("#papercraft", "#junkjournal", "#bookbinding"),
    },
    {
        "name": "upcycled furniture",
        "items": ("upcycled oak dresser", "painted side table", "thrifted chair refresh", "decoupage drawer set"),
        "tags": ("#upcycling", "#furnitureflip", "#thriftflip"),
    },
    {
        "name": "soap making",
        "items": ("cold process soap loaf", "swirled goat milk soap", "lavender soap bars", "charcoal soap slices"),
        "tags": ("#soapmaking", "#coldprocesssoap", "#handmadesoap"),
    },
)

TIME_ZONES = (
    "Europe/London",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Europe/Madrid",
    "Asia/Kolkata",
    "Australia/Sydney",
    "America/Toronto",
    "Asia/Tokyo",
    "Europe/Dublin",
)

_SYLLABLES = ("ma", "lu", "ki", "ro", "sa", "ne", "vi", "do", "pe", "ta", "zo", "li", "fa", "mi", "no")
_HANDLE_TAILS = ("crafts", "makes", "studio", "handmade", "creates", "workshop", "atelier", "loops", "co")


def stable_seed(*parts: object) -> list[int]:
    """Seed material that is the same in every process (Python's hash() is salted)."""
    return [zlib.crc32(str(p).encode()) for p in parts]


@dataclass(frozen=True)
class CreatorProfile:
    """One synthetic creator: identity per platform, size, pace and taste of the audience."""

    index: int
    niche: dict
    time_zone: str
    handles: dict[str, str]
    user_ids: dict[str, str]
    display_name: str
    followers_ref: dict[str, float]  # followers on REFERENCE_DATE per platform
    growth_per_day: dict[str, float]
    posts_per_week: dict[str, float]
    rate_factor: float  # the creator's audience saves/shares more or less than the platform norm
    is_peer: bool = field(default=False)  # discoverable niche peer of the demo creator

    def followers_on(self, platform: str, day: date) -> int:
        """Followers on a platform at a date (smooth; daily noise lives in the history)."""
        days = (day - REFERENCE_DATE).days
        return max(150, int(round(self.followers_ref[platform] * np.exp(self.growth_per_day[platform] * days))))


def _demo_creator() -> CreatorProfile:
    return CreatorProfile(
        index=0,
        niche=NICHES[0],
        time_zone="Europe/London",
        handles={
            "instagram": "divz.mysterious",
            "youtube": "@divzmysterious",
            "pinterest": "divzmysterious",
            "tiktok": "divz.mysterious",
        },
        user_ids=_user_ids(0),
        display_name="Divz | Eco Resin & Slow Crafting",
        followers_ref={"instagram": 21400.0, "youtube": 7600.0, "pinterest": 4900.0, "tiktok": 52300.0},
        growth_per_day={"instagram": 0.0011, "youtube": 0.0013, "pinterest": 0.0007, "tiktok": 0.0016},
        posts_per_week={"instagram": 4.0, "youtube": 3.0, "pinterest": 5.0, "tiktok": 5.0},
        rate_factor=1.0,
    )


def _user_ids(index: int) -> dict[str, str]:
    # Shaped like the real ids: IG 1784..., YouTube UC + 22 chars, Pinterest digits, TikTok open_id.
    n = index + 1
    alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-"
    tail = "".join(alphabet[(zlib.crc32(f"yt{n}:{i}".encode())) % 64] for i in range(22))
    return {
        "instagram": f"178414{n:011d}",
        "youtube": f"UC{tail}",
        "pinterest": f"8{n:017d}",
        "tiktok": str(uuid.UUID(bytes=hashlib.md5(f"tt{n}".encode()).digest(), version=4)),
    }


@lru_cache(maxsize=4096)
def creator_profile(seed: int, index: int) -> CreatorProfile:
    """The creator at this index; index 0 is always the demo creator."""
    if index == 0:
        return _demo_creator()
    rng = np.random.default_rng(stable_seed(seed, "creator", index))
    niche = NICHES[int(rng.integers(len(NICHES)))]
    name = "".join(_SYLLABLES[int(i)] for i in rng.integers(len(_SYLLABLES), size=int(rng.integers(2, 4))))
    tail = _HANDLE_TAILS[int(rng.integers(len(_HANDLE_TAILS)))]
    base = float(np.clip(rng.lognormal(np.log(6000), 1.4), 300, 5_000_000))
    followers_ref, growth, pace = {}, {}, {}
    for platform in PLATFORMS:
        followers_ref[platform] = max(200.0, base * float(rng.lognormal(0, 0.6)))
        growth[platform] = float(rng.normal(0.0009, 0.0009))
        pace[platform] = float(rng.uniform(1.0, 6.0))
    return CreatorProfile(
        index=index,
        niche=niche,
        time_zone=TIME_ZONES[int(rng.integers(len(TIME_ZONES)))],
        handles={
            "instagram": f"{name}.{tail}",
            "youtube": f"@{name}{tail}",
            "pinterest": f"{name}{tail}",
            "tiktok": f"{name}_{tail}",
        },
        user_ids=_user_ids(index),
        display_name=f"{name.title()} {tail.title()}",
        followers_ref=followers_ref,
        growth_per_day=growth,
        posts_per_week=pace,
        rate_factor=float(rng.lognormal(0, 0.3)),
        is_peer=index <= 12
        and niche["name"] in (NICHES[0]["name"], NICHES[1]["name"], NICHES[3]["name"], NICHES[8]["name"])
        or index in (1, 2),
    )


def creator_summary(seed: int, index: int, today: date) -> dict:
    """What GET /_sandbox/creators shows for one creator."""
    profile = creator_profile(seed, index)
    return {
        "index": index,
        "niche": profile.niche["name"],
        "display_name": profile.display_name,
        "time_zone": profile.time_zone,
        "handles": profile.handles,
        "user_ids": profile.user_ids,
        "followers": {p: profile.followers_on(p, today) for p in PLATFORMS},
        "growth_per_day": profile.growth_per_day,
        "posts_per_week": profile.posts_per_week,
        "is_peer": profile.is_peer,
    }
