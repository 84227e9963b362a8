"""How relevant a topic is to a creator's niche, in [0, 1], using the craft lexicon.

Text is normalised (lowercase, punctuation stripped, naive suffix stemming: coasters -> coaster,
crocheting -> crochet, knitting -> knit) and matched against the concept groups of niche_lexicon.
A topic activates concept c with a_T(c) = the largest weight of c's terms found in it; a niche
keyword K likewise with a_K(c).

    relevance(T, niche) = max over K in niche of score(T, K)
    score(T, K) = max of
      overlap   1.0                     T shares a head word with K (not generic, not a modifier)
      same      0.8 * a_T(c) * a_K(c)   same concept group c
      related   0.3 * a_T(c) * a_K(d)   c and d are RELATED groups
      modifier  0.3 * a_T(crafts)       T only says "handmade / diy / eco..." (K must be a craft)
      fuzzy     min(0.5, 0.75 * J)      char-trigram Jaccard J >= 0.45 between a word of T and a
                                        head word of K (misspellings)
A misspelt topic word close to a lexicon term (trigram Jaccard J >= 0.5) activates that term's
concepts at weight * 0.6 * J, so it can never score more than 0.48; a glued hashtag word of 8+
letters that contains a (non-modifier) lexicon word ("resinart") activates it at weight * 0.9.
A niche keyword unknown to the lexicon is matched by overlap and fuzzy only; anything else
scores 0.

Sense: sharing a word is not sharing a meaning ("resin driveway", "crochet braids", "lilo and stitch",
"slow cooker recipes"). For a niche the lexicon knows, score(T, K) is multiplied by the topic's sense fit:
- FOREIGN_FIT 0.1 when T holds a fixed non-craft expression (NONCRAFT_PHRASES: "roller coaster"),
  when its head (last word that is not generic) is a word of another domain (FOREIGN_WORDS: driveway,
  braids, cooker...), or when such a word sits beside a head that is a craft word rather than an object
  ("dental resin", "harry potter");
- OBJECT_WITH_FOREIGN_FIT 0.8 when the head is a thing makers make (CRAFT_OBJECTS) and another word is
  foreign ("makeup bag": a bag, for makeup);
- 1.0 when the head is a lexicon term or a craft object (or the phrase is all generic words); content
  heads ("recipes", "supplies", "tips": CONTENT_HEADS) are looked past to the word they are about;
- UNKNOWN_HEAD_FIT 0.4 when the head is a word the lexicon does not know: a craft word in front of an
  unknown thing is weak evidence the phrase is about the craft.
Foreign words are matched on the raw words (plural s/es folded), so "flooring" is foreign and "floor
lamp" is not.

The category of a topic is the concept label of the niche keyword that matched best; ties go to the
keyword sharing more words with the topic, then to the one whose concept the topic itself activates
most (so "handmade ceramic mugs" is labelled by "handmade decor", not by the first keyword in order).
When several keywords still tie with neither (a bare modifier like "handmade gifts" matches every craft
keyword alike), no keyword matched in particular: the label is the topic's own craft, else "crafts".
`topic_concept` is the topic's own strongest craft concept ("needle felting" -> fiber art).
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from shared.engines.niche_lexicon import (
    CONCEPTS,
    CONTENT_HEADS,
    CRAFT_OBJECTS,
    FOREIGN_WORDS,
    GENERAL_CRAFTS,
    GENERIC_WORDS,
    NONCRAFT_PHRASES,
    RELATED,
    STOPWORDS,
)

OVERLAP = 1.0
SAME_CONCEPT = 0.8
RELATED_CONCEPT = 0.3
MODIFIER_ONLY = 0.3
FUZZY_CAP = 0.5
FUZZY_SCALE = 0.75
FUZZY_MIN_JACCARD = 0.45
FUZZY_TERM_MIN_JACCARD = 0.5
FUZZY_TERM_DISCOUNT = 0.6
FOREIGN_FIT = 0.1
OBJECT_WITH_FOREIGN_FIT = 0.8
UNKNOWN_HEAD_FIT = 0.4

_NON_WORD = re.compile(r"[^a-z0-9]+")


def stem(word: str) -> str:
    """Naive suffix stripping, applied the same way to topics, niches and the lexicon."""
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("sses", "ches", "shes", "xes", "zes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = _undouble(word[:-3])
    elif len(word) > 4 and word.endswith("ed") and not word.endswith("eed"):
        word = _undouble(word[:-2])
    # Drop a silent final e so weave/weaving and glaze/glazing meet.
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def _undouble(word: str) -> str:
    if len(word) > 2 and word[-1] == word[-2] and word[-1] not in "aeiouls":
        return word[:-1]
    return word


@lru_cache(maxsize=65536)
def raw_words(text: str) -> tuple[str, ...]:
    """Lowercased words of a text, stopwords removed, not stemmed."""
    return tuple(w for w in _NON_WORD.sub(" ", text.lower()).split() if w not in STOPWORDS)


@lru_cache(maxsize=65536)
def words(text: str) -> tuple[str, ...]:
    """Stemmed words of a text, stopwords removed."""
    return tuple(stem(w) for w in raw_words(text))


@lru_cache(maxsize=65536)
def _trigrams(word: str) -> frozenset[str]:
    padded = f"#{word}#"
    return frozenset(padded[i : i + 3] for i in range(len(padded) - 2))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def _build_index() -> tuple[dict[str, list[tuple[tuple[str, ...], str, float]]], dict[str, dict[str, float]]]:
    by_first: dict[str, list[tuple[tuple[str, ...], str, float]]] = {}
    single: dict[str, dict[str, float]] = {}
    for concept, terms in CONCEPTS.items():
        for term, weight in terms.items():
            seq = words(term)
            by_first.setdefault(seq[0], []).append((seq, concept, weight))
            if len(seq) == 1:
                slot = single.setdefault(seq[0], {})
                slot[concept] = max(weight, slot.get(concept, 0.0))
    return by_first, single


_TERMS_BY_FIRST, _SINGLE_TERMS = _build_index()
_SINGLE_TRIGRAMS = {w: _trigrams(w) for w in _SINGLE_TERMS if len(w) >= 5}
_GENERIC = frozenset(stem(w) for w in GENERIC_WORDS)
_MODIFIERS = frozenset(w for w, concepts in _SINGLE_TERMS.items() if GENERAL_CRAFTS in concepts)
_RELATED_PAIRS = tuple(tuple(pair) for pair in RELATED)
_FOREIGN = frozenset(w for group in FOREIGN_WORDS.values() for w in group)
_OBJECTS = frozenset(stem(w) for w in CRAFT_OBJECTS)
_NOT_HEADS = _GENERIC | frozenset(stem(w) for w in CONTENT_HEADS)
_NONCRAFT = tuple(raw_words(p) for p in NONCRAFT_PHRASES)
_CONCEPT_ORDER = {c: i for i, c in enumerate(CONCEPTS)}


def _is_foreign(word: str) -> bool:
    return (
        word in _FOREIGN
        or (word.endswith("s") and word[:-1] in _FOREIGN)
        or (word.endswith("es") and word[:-2] in _FOREIGN)
    )


def sense_fit(raw: tuple[str, ...], covered: frozenset[int]) -> float:
    """How well a phrase's head and context fit a craft (see the module docstring); raw = raw_words."""
    if any(raw[i : i + len(p)] == p for p in _NONCRAFT for i in range(len(raw) - len(p) + 1)):
        return FOREIGN_FIT
    foreign = {i for i, w in enumerate(raw) if _is_foreign(w)}
    heads = [i for i, w in enumerate(raw) if stem(w) not in _NOT_HEADS]
    if not heads:
        return FOREIGN_FIT if foreign else 1.0
    head = heads[-1]
    is_object = stem(raw[head]) in _OBJECTS
    if head in foreign:
        return FOREIGN_FIT
    if foreign:
        return OBJECT_WITH_FOREIGN_FIT if is_object else FOREIGN_FIT
    return 1.0 if is_object or head in covered else UNKNOWN_HEAD_FIT


@dataclass(frozen=True)
class _Profile:
    words: tuple[str, ...]
    heads: frozenset[str]
    activation: dict[str, float]
    category: str | None
    fit: float
    # For a niche keyword: per topic concept, the best a_K(d) over the niche's related concepts d.
    related: dict[str, float]


def _activate(seq: tuple[str, ...]) -> tuple[dict[str, float], frozenset[int]]:
    """(concept -> activation, positions of the words a lexicon term or a fuzzy term match covers)."""
    found: dict[str, float] = {}
    matched: set[int] = set()
    for i, word in enumerate(seq):
        for term, concept, weight in _TERMS_BY_FIRST.get(word, ()):
            if seq[i : i + len(term)] == term:
                found[concept] = max(weight, found.get(concept, 0.0))
                matched.update(range(i, i + len(term)))
    fuzzy: set[int] = set()
    for i, word in enumerate(seq):
        if i in matched or word in _GENERIC or len(word) < 5:
            continue
        for concept, weight in _fuzzy_term_concepts(word).items():
            found[concept] = max(weight, found.get(concept, 0.0))
            fuzzy.add(i)
    return found, frozenset(matched | fuzzy)


@lru_cache(maxsize=65536)
def _fuzzy_term_concepts(word: str) -> dict[str, float]:
    # Hashtags glue words together ("resinart"); a lexicon word inside a long token counts too.
    found: dict[str, float] = {}
    grams = _trigrams(word)
    for term, term_grams in _SINGLE_TRIGRAMS.items():
        if len(word) >= 8 and term in word and term not in _MODIFIERS:
            # "minecraft" holds "craft" but is no craft: modifiers never count inside a glued token.
            score = 0.9
        else:
            j = _jaccard(grams, term_grams)
            if j < FUZZY_TERM_MIN_JACCARD:
                continue
            score = FUZZY_TERM_DISCOUNT * j
        for concept, weight in _SINGLE_TERMS[term].items():
            found[concept] = max(weight * score, found.get(concept, 0.0))
    return found


@lru_cache(maxsize=65536)
def _profile(text: str) -> _Profile:
    seq = words(text)
    activation, covered = _activate(seq)
    specific = {c: a for c, a in activation.items() if c != GENERAL_CRAFTS}
    heads = frozenset(w for w in seq if w not in _GENERIC and w not in _MODIFIERS)
    if not heads and not specific:
        # A niche that is itself a modifier ("handmade") keeps it as its head word.
        heads = frozenset(w for w in seq if w not in _GENERIC) or frozenset(seq)
    category: str | None
    if specific:
        # Highest activation wins; ties go to the earlier concept in the lexicon.
        category = max(specific, key=lambda c: (specific[c], -list(CONCEPTS).index(c)))
    elif activation:
        category = GENERAL_CRAFTS
    else:
        category = " ".join(seq) or None
    related: dict[str, float] = {}
    for first, second in _RELATED_PAIRS:
        for c_topic, c_niche in ((first, second), (second, first)):
            related[c_topic] = max(related.get(c_topic, 0.0), specific.get(c_niche, 0.0))
    return _Profile(seq, heads, activation, category, sense_fit(raw_words(text), covered), related)


def _score(topic: _Profile, niche: _Profile) -> float:
    if not topic.words or not niche.words:
        return 0.0
    # A niche the lexicon knows is a craft: the topic must mean the craft sense of what it shares.
    fit = topic.fit if niche.activation else 1.0
    if niche.heads & set(topic.words):
        return OVERLAP * fit
    best = 0.0
    niche_specific = {c: a for c, a in niche.activation.items() if c != GENERAL_CRAFTS}
    # A niche made only of modifiers ("handmade") treats the general-crafts group as its own.
    same_groups = niche_specific or niche.activation
    for concept, a_niche in same_groups.items():
        best = max(best, SAME_CONCEPT * topic.activation.get(concept, 0.0) * a_niche)
    for concept, a_topic in topic.activation.items():
        best = max(best, RELATED_CONCEPT * a_topic * niche.related.get(concept, 0.0))
    if niche.activation:
        best = max(best, MODIFIER_ONLY * topic.activation.get(GENERAL_CRAFTS, 0.0))
    return max(best, _fuzzy_overlap(topic.words, niche.heads)) * fit


def _fuzzy_overlap(topic_words: Iterable[str], heads: Iterable[str]) -> float:
    return max((_fuzzy_pair(word, head) for word in topic_words for head in heads), default=0.0)


@lru_cache(maxsize=65536)
def _fuzzy_pair(word: str, head: str) -> float:
    if len(word) < 4 or len(head) < 4:
        return 0.0
    j = _jaccard(_trigrams(word), _trigrams(head))
    return min(FUZZY_CAP, FUZZY_SCALE * j) if j >= FUZZY_MIN_JACCARD else 0.0


def _best_keyword(topic: str, niche_keywords: Sequence[str]) -> tuple[float, str | None, str | None]:
    """(score, category, keyword) of the niche keyword that matches the topic best."""
    profile = _profile(topic)
    best_key: tuple[float, int, float] = (0.0, 0, 0.0)
    best: tuple[str | None, str | None] = (None, None)
    tied = 0
    for keyword in niche_keywords:
        niche = _profile(keyword)
        score = round(_score(profile, niche), 6)
        # Ties: the keyword that shares more words, then the one whose concept the topic activates most.
        key = (score, len(set(niche.words) & set(profile.words)), profile.activation.get(niche.category or "", 0.0))
        if score > 0 and key > best_key:
            best_key, best, tied = key, (niche.category, keyword), 1
        elif score > 0 and key == best_key:
            tied += 1
    if tied > 1 and best_key[1:] == (0, 0.0):
        # Several keywords match equally and none by a shared word or its own craft ("handmade gifts" against
        # any craft niche): no keyword matched in particular; label the topic by its own craft, else "crafts".
        own = profile.category if profile.category in _CONCEPT_ORDER else None
        return best_key[0], own, None
    return best_key[0], best[0], best[1]


def _best_match(topic: str, niche_keywords: Sequence[str]) -> tuple[float, str | None]:
    score, category, _ = _best_keyword(topic, niche_keywords)
    return score, category


def matching_keyword(topic: str | None, niche_keywords: Sequence[str]) -> str | None:
    """The niche keyword a topic (or a creator's niche) matched, None if none does."""
    return _best_keyword(topic, niche_keywords)[2] if topic else None


def topic_concept(topic: str) -> str | None:
    """The topic's own strongest craft concept ("needle felting" -> "fiber art"), None if it names none."""
    category = _profile(topic).category
    return category if category in _CONCEPT_ORDER else None


def relevance(topic: str, niche_keywords: Sequence[str]) -> float:
    """Relevance of one topic to the niche keywords, in [0, 1]."""
    return _best_match(topic, niche_keywords)[0]


def best_category(topic: str, niche_keywords: Sequence[str]) -> str | None:
    """Concept label of the best-matching niche keyword ("resin", "crochet"...), None if off-niche."""
    return _best_match(topic, niche_keywords)[1]


def relevance_scores(topics: Iterable[str], niche_keywords: Sequence[str]) -> dict[str, float]:
    """Relevance for many topics at once (profiles are cached, so repeated words cost nothing)."""
    return {topic: _best_match(topic, niche_keywords)[0] for topic in dict.fromkeys(topics)}


def relevance_matches(topics: Iterable[str], niche_keywords: Sequence[str]) -> dict[str, tuple[float, str | None]]:
    """(relevance, category) for many topics in one pass."""
    return {topic: _best_match(topic, niche_keywords) for topic in dict.fromkeys(topics)}


def topic_words(text: str) -> frozenset[str]:
    """The words of a text as relevance reads them (stemmed, stopwords out)."""
    return frozenset(words(text))


def on_topic(post_words: frozenset[str], topic: frozenset[str]) -> bool:
    """At least half of the topic's words appear in the post."""
    return bool(topic) and len(post_words & topic) >= math.ceil(len(topic) / 2)
