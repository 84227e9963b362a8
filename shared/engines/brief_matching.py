"""Which of her new posts followed which brief: text and attribute agreement, one post per brief.

Statistical choices:
- Candidates: a post on the brief's platform (any platform when the brief names none), published after the
  brief and within WINDOW_DAYS of it.
- Text: cosine similarity of binary TF-IDF vectors of the brief (caption, concept, hook, hashtags, topic)
  and the post (title and caption). Words are lowercased, split on non-letters, plurals folded (coasters ~
  coaster), function words dropped; hashtags count as words. IDF = ln((1 + N) / (1 + df)) + 1 over her
  own recent posts (the corpus), so words she uses everywhere ("handmade", "studio") weigh little and the
  brief's topic words weigh most.
- Attributes: of the attributes both the brief and the post have a known level for, the share that agree,
  shrunk toward one half ((agree + 1) / (compared + 2)): two agreeing attributes are weak evidence, six
  are strong, none says nothing.
- Confidence = TEXT_WEIGHT x text + (1 - TEXT_WEIGHT) x attributes, in [0, 1]: a similarity score, not a
  probability. Pairs at or above MIN_CONFIDENCE are assigned greedily by confidence, each brief to at most
  one post and each post to at most one brief.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping

import polars as pl

WINDOW_DAYS = 14
TEXT_WEIGHT = 0.7
MIN_CONFIDENCE = 0.5
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset(
    """a an and are as at be but by can do for from has have how i if in into is it its just me my
new no not of on or our out so than that the their them then there these they this to too up us was we were
what when where which who why will with you your yours one ones all any more most very get got""".split()
)

MATCH_SCHEMA = {
    "recommendation_id": pl.Utf8,
    "post_id": pl.Utf8,
    "confidence": pl.Float64,
    "text": pl.Float64,
    "attributes": pl.Float64,
    "compared": pl.Int64,
    "agreeing": pl.Int64,
    "days_after": pl.Float64,
}


def words(text: str | None) -> set[str]:
    """The content words of a text: lowercase, plurals folded, function words dropped, hashtags kept whole."""
    out = set()
    for word in _WORD.findall((text or "").lower()):
        if len(word) < 3 or word in _STOP:
            continue
        if len(word) > 4 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        out.add(word)
    return out


def idf_weights(corpus: Iterable[str | None]) -> tuple[dict[str, float], float]:
    """(word -> idf, the idf of a word the corpus never used) over a corpus of texts."""
    documents = [words(text) for text in corpus]
    frequency = Counter(word for document in documents for word in document)
    n = len(documents)
    return ({word: math.log((1 + n) / (1 + df)) + 1 for word, df in frequency.items()}, math.log(1 + n) + 1)


def text_similarity(a: set[str], b: set[str], idf: Mapping[str, float], unseen: float) -> float:
    """Cosine of the binary TF-IDF vectors of two word sets (0 when either is empty)."""
    if not a or not b:
        return 0.0
    weight = lambda w: idf.get(w, unseen) ** 2  # noqa: E731
    shared = sum(weight(w) for w in a & b)
    return shared / math.sqrt(sum(weight(w) for w in a) * sum(weight(w) for w in b))


def attribute_agreement(brief: Mapping[str, str], post: Mapping[str, str]) -> tuple[float, int, int]:
    """(shrunk share agreeing, attributes compared, agreeing) over the attributes both have a level for."""
    compared = [a for a in brief if brief[a] is not None and post.get(a) is not None]
    agreeing = sum(1 for a in compared if brief[a] == post[a])
    return (agreeing + 1) / (len(compared) + 2), len(compared), agreeing


def match_candidates(
    briefs: pl.DataFrame,
    posts: pl.DataFrame,
    brief_levels: pl.DataFrame,
    post_levels: pl.DataFrame,
    corpus: Iterable[str | None],
) -> pl.DataFrame:
    """Every brief x candidate post with its scores (MATCH_SCHEMA), best first.

    briefs: recommendation_id, platform (null = any), generated_at, text; posts: post_id, platform,
    posted_at, text; *_levels: (recommendation_id | post_id), attribute, level.
    """
    idf, unseen = idf_weights(corpus)
    brief_attrs = _levels_by(brief_levels, "recommendation_id")
    post_attrs = _levels_by(post_levels, "post_id")
    post_rows = list(posts.iter_rows(named=True))
    post_words = {p["post_id"]: words(p["text"]) for p in post_rows}
    rows = []
    for brief in briefs.iter_rows(named=True):
        brief_words = words(brief["text"])
        for post in post_rows:
            days = (post["posted_at"] - brief["generated_at"]).total_seconds() / 86_400
            if not 0 < days <= WINDOW_DAYS or brief["platform"] not in (None, post["platform"]):
                continue
            text = text_similarity(brief_words, post_words[post["post_id"]], idf, unseen)
            share, compared, agreeing = attribute_agreement(
                brief_attrs.get(brief["recommendation_id"], {}), post_attrs.get(post["post_id"], {})
            )
            rows.append(
                (
                    brief["recommendation_id"],
                    post["post_id"],
                    TEXT_WEIGHT * text + (1 - TEXT_WEIGHT) * share,
                    text,
                    share,
                    compared,
                    agreeing,
                    days,
                )
            )
    return pl.DataFrame(rows, schema=MATCH_SCHEMA, orient="row").sort(
        ["confidence", "recommendation_id", "post_id"], descending=[True, False, False]
    )


def assign(matches: pl.DataFrame, *, min_confidence: float = MIN_CONFIDENCE) -> pl.DataFrame:
    """One post per brief and one brief per post, greedily by confidence (ties: brief id, post id)."""
    taken_briefs: set[str] = set()
    taken_posts: set[str] = set()
    keep = []
    ordered = matches.filter(pl.col("confidence") >= min_confidence).sort(
        ["confidence", "recommendation_id", "post_id"], descending=[True, False, False]
    )
    for row in ordered.iter_rows(named=True):
        if row["recommendation_id"] in taken_briefs or row["post_id"] in taken_posts:
            continue
        taken_briefs.add(row["recommendation_id"])
        taken_posts.add(row["post_id"])
        keep.append(row)
    return pl.DataFrame(keep, schema=MATCH_SCHEMA, orient="row")


def _levels_by(levels: pl.DataFrame, key: str) -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for owner, attribute, level in levels.select(key, "attribute", "level").iter_rows():
        out.setdefault(str(owner), {})[attribute] = level
    return out
