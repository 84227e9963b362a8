"""Opaque keyset cursors: base64url JSON of the last row's keys, HMAC-signed and bound to the user.

The key is derived from OAUTH_STATE_SECRET and a per-list label, so a cursor of one list, of another user or
an edited one is refused with the same message; each list checks the payload's shape itself.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any

from shared.errors import InvalidInput

INVALID = "invalid cursor; start again without one"


def _key(label: bytes) -> bytes:
    from shared.config import get_settings

    secret = get_settings().state_secret
    # Without a configured secret the cursor is still checked for integrity and shape, just not secret-signed.
    return _derived_key(secret.get_secret_value() if secret else "", label)


@functools.lru_cache(maxsize=16)
def _derived_key(secret: str, label: bytes) -> bytes:
    return hmac.new(secret.encode(), label, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _signature(label: bytes, payload: str, user_id: str) -> str:
    return _b64(hmac.new(_key(label), f"{payload}.{user_id}".encode(), hashlib.sha256).digest()[:18])


def sign(label: bytes, user_id: str, data: dict[str, Any]) -> str:
    """`data` as an opaque cursor for this list and user."""
    payload = _b64(json.dumps(data, separators=(",", ":")).encode())
    return f"{payload}.{_signature(label, payload, user_id)}"


def verify(label: bytes, user_id: str, cursor: str) -> dict[str, Any]:
    """The data of a cursor this list signed for this user, else InvalidInput."""
    payload, _, signature = cursor.partition(".")
    if not hmac.compare_digest(signature.encode(), _signature(label, payload, user_id).encode()):
        raise InvalidInput(INVALID)
    try:
        data = json.loads(_unb64(payload))
    except ValueError:
        raise InvalidInput(INVALID) from None
    if not isinstance(data, dict):
        raise InvalidInput(INVALID)
    return data


# Ranked lists (topics, keywords, creators, opportunities) page on their ranking key: a tuple of JSON scalars,
# ascending, whose last elements make it unique. The cursor carries the last item's key and the filters it
# was made for, so the next page starts right after that item under the same filters.
Scalar = str | int | float | bool | None
OTHER_FILTERS = "this cursor belongs to other filters; start again without one"


def sign_key(label: bytes, user_id: str, filters: Any, key: tuple[Scalar, ...]) -> str:
    """A cursor after the item whose ranking key is `key`, for these filters."""
    return sign(label, user_id, {"f": filters, "k": list(key)})


def verify_key(
    label: bytes, user_id: str, cursor: str, filters: Any, types: tuple[tuple[type, ...], ...]
) -> tuple[Any, ...]:
    """The ranking key of a cursor this list signed for this user and these filters; `types` gives each
    element's allowed types (a signed cursor is trusted for its content, still checked for its shape)."""
    data = verify(label, user_id, cursor)
    key, made_for = data.get("k"), data.get("f")
    if made_for != json.loads(json.dumps(filters)):
        raise InvalidInput(OTHER_FILTERS)
    if not isinstance(key, list) or len(key) != len(types):
        raise InvalidInput(INVALID)
    for value, allowed in zip(key, types, strict=True):
        # bool is an int in Python, and JSON gives ints for integral floats.
        if type(value) not in allowed and not (float in allowed and type(value) is int):
            raise InvalidInput(INVALID)
    return tuple(key)


def page_ranked(
    rows: list[Any],
    key: Callable[[Any], tuple[Scalar, ...]],
    limit: int,
    after: tuple[Any, ...] | None,
    sign_after: Callable[[tuple[Scalar, ...]], str],
) -> tuple[list[Any], str | None]:
    """One page of rows ranked in Python by `key` (ascending): the `limit` after `after`, and the next cursor."""
    ranked = sorted(rows, key=key)
    if after is not None:
        ranked = [row for row in ranked if key(row) > after]
    page = ranked[:limit]
    return page, sign_after(key(page[-1])) if len(ranked) > limit else None
