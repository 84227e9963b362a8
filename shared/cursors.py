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
