"""A creator's niche as a stable key (trends are computed once per distinct niche keyword set), and what the
read side needs of it: her niche, and the tracked creators in it."""

from __future__ import annotations

import hashlib
import re
from typing import Any

DEFAULT_NICHE = ("handmade", "diy crafts")
MIN_CREATOR_RELEVANCE = 0.5


def normalize_keywords(keywords: list[str] | tuple[str, ...] | None) -> list[str]:
    """Lowercased, whitespace-collapsed, de-duplicated, sorted; the defaults when empty."""
    cleaned = {re.sub(r"\s+", " ", k.strip().lower()) for k in (keywords or []) if k and k.strip()}
    return sorted(cleaned) or sorted(DEFAULT_NICHE)


def niche_key(keywords: list[str] | tuple[str, ...] | None) -> str:
    """Short stable key of a keyword set (the `trends.niche_key` column)."""
    joined = "|".join(normalize_keywords(keywords))
    return hashlib.sha256(joined.encode()).hexdigest()[:16]


def my_niche(conn: Any) -> tuple[list[str], str, Any]:
    """(normalized keywords, niche_key, computed_at or None) of the calling creator (RLS: her profile)."""
    row = conn.execute("select niche_keywords from profiles where id = auth.uid()").fetchone()
    keywords = normalize_keywords(row["niche_keywords"] if row else None)
    key = niche_key(keywords)
    computed = conn.execute("select computed_at from trend_niches where niche_key = %s", (key,)).fetchone()
    return keywords, key, computed["computed_at"] if computed else None


def niche_creators(conn: Any, keywords: list[str], platform: str | None = None) -> list[dict[str, Any]]:
    """Tracked creators whose niche is relevant to these keywords, with that relevance."""
    from shared.engines.relevance import relevance_scores

    # Her own accounts are discovered like anyone's; she is not her own competition.
    rows = conn.execute(
        """select t.id, t.handle, t.platform::text as platform, t.followers, t.growth_rate, t.followers_gained,
                  t.trend_score, t.niche, t.format_description, t.origin, t.discovered_via, t.last_checked
           from trending_creators t
           where t.niche is not null and (%s::text is null or t.platform::text = %s)
             and not exists (select 1 from platform_connections c
                             where c.user_id = (select auth.uid()) and c.platform = t.platform
                               and (c.platform_user_id = t.platform_user_id
                                    or lower(ltrim(c.platform_username, '@')) = lower(ltrim(t.handle, '@'))))""",
        (platform, platform),
    ).fetchall()
    scores = relevance_scores({r["niche"] for r in rows}, keywords)
    return [{**r, "relevance": scores[r["niche"]]} for r in rows if scores[r["niche"]] >= MIN_CREATOR_RELEVANCE]


NOT_COVERED = {
    "pinterest": "Pinterest's API has no lookup of other accounts (discovery is Trends only)",
    "tiktok": "TikTok's Display API sees only the signed-in account; other accounts need the Research API, "
    "which is for approved non-commercial research",
}
