"""A creator's niche as a stable key: trends are computed once per distinct niche keyword set."""
from __future__ import annotations

import hashlib
import re

DEFAULT_NICHE = ("handmade", "diy crafts")


def normalize_keywords(keywords: list[str] | tuple[str, ...] | None) -> list[str]:
    """Lowercased, whitespace-collapsed, de-duplicated, sorted; the defaults when empty."""
    cleaned = {re.sub(r"\s+", " ", k.strip().lower()) for k in (keywords or []) if k and k.strip()}
    return sorted(cleaned) or sorted(DEFAULT_NICHE)


def niche_key(keywords: list[str] | tuple[str, ...] | None) -> str:
    """Short stable key of a keyword set (the `trends.niche_key` column)."""
    joined = "|".join(normalize_keywords(keywords))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]
