"""Pure pieces of the analytics services on hand-computed numbers."""

from __future__ import annotations

import pytest

from shared.models.posts import PostsQuery
from shared.services.posts_query import escape_like, query_fingerprint
from shared.services.signals import percentile_score, quantile


def test_quantile_interpolates_between_order_statistics():
    values = [1.0, 2.0, 3.0, 4.0, 10.0]
    assert quantile(values, 0.5) == 3.0
    assert quantile(values, 0.25) == 2.0
    assert quantile(values, 0.75) == 4.0
    assert quantile([1.0, 2.0, 3.0, 4.0], 0.5) == 2.5  # position 1.5
    assert quantile([5.0], 0.9) == 5.0


def test_percentile_score_counts_ties_as_half():
    history = [1.0, 2.0, 3.0, 4.0]
    assert percentile_score(3.0, history) == 62.5  # (2 below + 0.5) / 4
    assert percentile_score(3.0, history, higher_is_better=False) == 37.5  # (1 above + 0.5) / 4
    assert percentile_score(9.0, history) == 100.0 and percentile_score(0.0, history) == 0.0


def test_like_wildcards_are_escaped():
    assert escape_like(r"50%_off\ ") == r"50\%\_off\\ "


def test_fingerprint_ignores_page_size_and_list_order_but_not_filters():
    a = PostsQuery.model_validate({"sort": "views", "platform": "tiktok,youtube", "limit": "5"})
    b = PostsQuery.model_validate({"sort": "views", "platform": "youtube,tiktok", "limit": "50"})
    c = PostsQuery.model_validate({"sort": "views", "platform": "youtube"})
    assert query_fingerprint(a) == query_fingerprint(b) != query_fingerprint(c)


@pytest.mark.parametrize(
    "raw",
    [
        {"limit": "0"},
        {"limit": "101"},
        {"sort": "title"},
        {"q": "x" * 101},
        {"platform": ""},
        {"from": "2026-02-01", "to": "2026-01-01"},
    ],
)
def test_posts_query_rejects(raw):
    with pytest.raises(ValueError):
        PostsQuery.model_validate(raw)
