"""Relevance knows craft synonyms, rejects off-niche topics and copes with other niches."""

from __future__ import annotations

import pytest

from shared.engines.relevance import best_category, relevance, relevance_scores, stem

NICHE = ["eco resin", "crochet", "handmade decor", "slow crafting"]


@pytest.mark.parametrize(
    "word, expected",
    [
        ("coasters", "coaster"),
        ("crocheting", "crochet"),
        ("knitting", "knit"),
        ("stitches", "stitch"),
        ("supplies", "supply"),
        ("glazing", "glaz"),
        ("glaze", "glaz"),
        ("resin", "resin"),
        ("glass", "glass"),
    ],
)
def test_stemming_folds_plurals_and_verb_forms(word, expected):
    assert stem(word) == expected


@pytest.mark.parametrize(
    "topic, category",
    [
        ("epoxy", "resin"),
        ("uv resin jewelry", "resin"),
        ("resin coasters", "resin"),
        ("geode art", "resin"),
        ("amigurumi", "crochet"),
        ("granny square", "crochet"),
        ("yarn", "crochet"),
        ("crochet hook", "crochet"),
        ("slow living", "slow crafting"),
        ("cottagecore", "slow crafting"),
        ("home decor", "decor"),
        ("wall hanging", "decor"),
        ("boho bedroom", "decor"),
    ],
)
def test_related_craft_words_score_as_the_niche(topic, category):
    assert relevance(topic, NICHE) >= 0.7
    assert best_category(topic, NICHE) == category


@pytest.mark.parametrize(
    "topic",
    [
        "crypto",
        "bitcoin price",
        "protein pancakes",
        "football",
        "iphone 16",
        "slow cooker recipes",
        "home workout",
        "nail art",
        "taylor swift",
        "minecraft",
        "stock market",
        "air fryer",
    ],
)
def test_off_niche_topics_score_near_zero(topic):
    assert relevance(topic, NICHE) < 0.1
    assert best_category(topic, NICHE) is None


def test_exact_word_overlap_scores_one():
    assert relevance("resin trays", NICHE) == 1.0
    assert relevance("Crocheting a blanket!", NICHE) == 1.0


def test_a_related_craft_or_a_bare_modifier_scores_weakly():
    assert 0.2 <= relevance("macrame", NICHE) <= 0.5  # macrame is related to crochet and decor
    assert relevance("diy gifts", NICHE) == pytest.approx(0.3)
    assert relevance("macrame plant hanger", ["fiber art"]) >= 0.7


def test_misspellings_and_glued_hashtags_still_match():
    assert 0.2 <= relevance("crotchet", NICHE) <= 0.5
    assert relevance("resinart", NICHE) >= 0.7


def test_a_knitting_and_pottery_niche_uses_its_own_concepts():
    niche = ["knitting", "pottery"]
    assert relevance("chunky knit blanket", niche) == 1.0
    assert relevance("wheel throwing", niche) >= 0.7
    assert relevance("ceramic glaze recipes", niche) >= 0.7
    assert best_category("kiln opening", niche) == "pottery"
    assert 0.2 <= relevance("amigurumi", niche) < 0.7
    assert relevance("epoxy resin", niche) < 0.1
    assert relevance("football", niche) < 0.1


def test_an_unknown_niche_keyword_matches_by_words_only():
    assert relevance("bonsai tree care", ["bonsai"]) == 1.0
    assert best_category("bonsai tree care", ["bonsai"]) == "bonsai"
    assert relevance("crochet", ["bonsai"]) == 0.0


def test_relevance_scores_matches_one_at_a_time():
    topics = ["epoxy", "crypto", "yarn", "epoxy"]
    assert relevance_scores(topics, NICHE) == {t: relevance(t, NICHE) for t in topics}


# Look-alikes: each shares a word with the niche, in another sense.
@pytest.mark.parametrize(
    "topic",
    [
        "resin driveway",
        "resin bound gravel",
        "epoxy garage flooring",
        "dental resin",
        "3d printer resin",
        "crochet braids",
        "crochet hair styles",
        "slow cooker recipes",
        "slow motion video",
        "lilo and stitch",
        "harry potter",
        "roller coaster tycoon",
        "super bowl",
        "soap opera",
        "handmade pasta",
        "tight knit community",
        "yarn package manager",
        "candle stick chart",
        "fishing hook",
        "pattern recognition",
        "cake decor",
    ],
)
def test_look_alikes_that_share_a_word_in_another_sense_score_low(topic):
    assert relevance(topic, NICHE + ["pottery", "candle making", "soap making"]) <= 0.1


@pytest.mark.parametrize(
    "topic",
    [
        "resin gnome",
        "crochet octopus",
        "epoxy resin coasters",
        "crochet bikini",
        "sewing a makeup bag",
        "ocean resin art",
        "ceramic glaze recipes",
        "resin supplies",
    ],
)
def test_a_craft_word_before_a_thing_makers_make_keeps_its_sense(topic):
    assert relevance(topic, NICHE + ["pottery", "sewing"]) >= 0.7


def test_a_craft_word_before_an_unknown_thing_is_weak_evidence():
    assert relevance("resin fountain", NICHE) == pytest.approx(0.4)


def test_the_category_is_the_niche_keyword_that_matched_and_the_topic_keeps_its_own_craft():
    from shared.engines.relevance import topic_concept

    assert best_category("handmade ceramic mugs", NICHE) == "decor"  # shares "handmade" with handmade decor
    assert topic_concept("handmade ceramic mugs") == "pottery"
    assert topic_concept("needle felting") == "fiber art" and topic_concept("crypto") is None


def test_a_bare_modifier_that_matches_every_keyword_alike_is_labelled_by_its_own_craft():
    labels = ["resin", "woodworking", "painting"]
    assert best_category("upcycled oak dresser", labels) == "crafts"  # not "resin", the first label
    assert best_category("upcycled candle jars", labels) == "candle making"
