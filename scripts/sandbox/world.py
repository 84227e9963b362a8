"""The sandbox's state: config, creators' posts (generated lazily, cached), tokens, faults, stats."""

from __future__ import annotations

import random
import re
import threading
from collections import Counter, OrderedDict
from datetime import date, timedelta

import numpy as np

from scripts.sandbox.config import SandboxConfig, validate_fault
from scripts.sandbox.creators import PLATFORMS, CreatorProfile, _user_ids, creator_profile
from scripts.sandbox.posts import PostTable, generate_posts, published_post
from scripts.sandbox.tokens import TokenStore

_CACHE_SIZE = 1024  # (creator, platform) tables kept; regeneration is deterministic, so eviction is safe


class World:
    """Everything a request handler needs; one per running sandbox."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.tokens = TokenStore()
        self.faults: list[dict] = list(config.faults)
        self.fault_rng = random.Random(config.seed)
        self.stats: Counter[str] = Counter()
        self.fault_hits: Counter[str] = Counter()
        self._tables: OrderedDict[tuple[int, str], PostTable] = OrderedDict()
        self._lock = threading.Lock()
        self._user_index: dict[str, dict[str, int]] | None = None
        self.published: dict[tuple[int, str], list[dict]] = {}
        from scripts.sandbox.limits import LimitTracker

        self.limits = LimitTracker(self) if config.limits else None

    @property
    def today(self) -> date:
        return self.config.today

    def set_today(self, day: date) -> None:
        """Move the day every platform answers for (posts drawn for the new weeks appear, counters age);
        only forward or back in whole days, and every post drawn so far stays what it was."""
        with self._lock:
            self.config.today = day
            self._tables.clear()
            self.__dict__.pop("yt_search_index", None)

    def publish(self, index: int, platform: str, body: dict) -> dict:
        """Add a post the creator publishes (a test or the demo following a brief); visible once `today`
        is past its time, in every endpoint's wire format, with the planted effects of its levels."""
        with self._lock:
            posts = self.published.setdefault((index, platform), [])
            post = published_post(platform, self.creator(index), len(posts) + 1, body)
            posts.append(post)
            self._tables.pop((index, platform), None)
            self.__dict__.pop("yt_search_index", None)
        return post

    def creator(self, index: int) -> CreatorProfile:
        return creator_profile(self.config.seed, index)

    def posts(self, index: int, platform: str) -> PostTable:
        key = (index, platform)
        with self._lock:
            table = self._tables.get(key)
            if table is not None:
                self._tables.move_to_end(key)
                return table
        table = generate_posts(
            self.config.seed,
            self.creator(index),
            platform,
            self.today,
            self.config.effects,
            list(self.published.get(key, ())),
        )
        with self._lock:
            self._tables[key] = table
            while len(self._tables) > _CACHE_SIZE:
                self._tables.popitem(last=False)
        return table

    def creator_by_user_id(self, platform: str, user_id: str) -> int | None:
        if self._user_index is None:
            index: dict[str, dict[str, int]] = {p: {} for p in PLATFORMS}
            for i in range(self.config.creators):
                for p, uid in _user_ids(i).items():
                    index[p][uid] = i
            self._user_index = index
        return self._user_index[platform].get(user_id)

    def creator_by_handle(self, platform: str, handle: str) -> int | None:
        wanted = handle.lstrip("@").lower()
        for i in range(self.config.creators):
            if self.creator(i).handles[platform].lstrip("@").lower() == wanted:
                return i
        return None

    def followers_series(self, index: int, platform: str) -> np.ndarray:
        """Daily follower counts for the history window plus today (last element), with noise."""
        profile = self.creator(index)
        start = self.today - timedelta(days=730)
        days = [start + timedelta(days=d) for d in range(731)]
        base = np.array([profile.followers_on(platform, d) for d in days], dtype=np.float64)
        rng = np.random.default_rng([self.config.seed, index, 99, len(platform)])
        wobble = np.cumsum(rng.normal(0, 0.0015, size=len(days)))
        wobble -= wobble[-1]  # today's count equals the smooth count the profile reports
        return np.round(base * np.exp(wobble))

    # Faults -------------------------------------------------------------------------------------
    def add_fault(self, fault: dict) -> dict:
        rule = validate_fault(fault)
        with self._lock:
            self.faults.append(rule)
        return rule

    def clear_faults(self) -> None:
        with self._lock:
            self.faults.clear()

    def take_fault(self, host: str, path: str) -> dict | None:
        """The first rule matching this request; decrements its count."""
        with self._lock:
            for rule in self.faults:
                if rule["host"] not in ("*", host):
                    continue
                if rule["path"] and rule["path"] not in path and not _regex_match(rule["path"], path):
                    continue
                if rule["kind"] == "refresh_fail" and not rule["path"] and "token" not in path:
                    continue
                if rule["count"] is not None and rule["count"] <= 0:
                    continue
                if rule["probability"] < 1 and self.fault_rng.random() >= rule["probability"]:
                    continue
                if rule["count"] is not None:
                    rule["count"] -= 1
                self.fault_hits[rule["kind"]] += 1
                return dict(rule)
        return None


def _regex_match(pattern: str, path: str) -> bool:
    try:
        return re.search(pattern, path) is not None
    except re.error:
        return False
