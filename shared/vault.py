"""Platform token encryption: AES-256-GCM under a rotating key ring, bound to the row it belongs to.

Blob format (version 1), stored as bytea:

    b"\\x01" | kid_len (1 byte) | kid (ASCII, 1-255 bytes) | nonce (12 bytes) | ciphertext + 16-byte tag

The associated data is `f"{user_id}:{platform}:{column}"`, so a blob copied to another user, platform
or column (access_token vs refresh_token vs code_verifier) fails authentication instead of decrypting.
Key ring: settings.token_keys = "kid:base64(32 bytes),kid:base64(32 bytes)"; the last key encrypts,
every key decrypts. Rotate by appending a key, re-encrypting blobs where `needs_reencrypt`, then
dropping the old key.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from typing import TYPE_CHECKING

from shared.errors import ConfigurationError

if TYPE_CHECKING:
    from shared.config import Settings

FORMAT_VERSION = 1
NONCE_BYTES = 12
KEY_BYTES = 32
TAG_BYTES = 16
# code_verifier (PKCE) and authorization_code (a code awaiting its owner's completion): oauth_states
COLUMNS = ("access_token", "refresh_token", "code_verifier", "authorization_code")
_KID = re.compile(r"^[A-Za-z0-9_.-]{1,255}$")


class TokenDecryptError(Exception):
    """A blob could not be decrypted; the message names the reason, never the token or the key."""


def generate_key() -> str:
    """A fresh base64 AES-256 key for the ring (`kid:<this>`)."""
    return base64.b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def parse_key_ring(spec: str) -> list[tuple[str, bytes]]:
    """Parse "kid:b64,kid:b64" into [(kid, key)], raising ConfigurationError that names no key material."""
    ring: list[tuple[str, bytes]] = []
    for position, entry in enumerate(part.strip() for part in spec.split(",")):
        if not entry:
            continue
        kid, sep, encoded = entry.partition(":")
        if not sep or not _KID.match(kid):
            raise ConfigurationError(f"TOKEN_KEYS entry {position + 1} must be 'kid:base64key'")
        try:
            key = base64.b64decode(encoded.strip(), validate=True)
        except (binascii.Error, ValueError):
            raise ConfigurationError(f"TOKEN_KEYS key {kid!r} is not valid base64") from None
        if len(key) != KEY_BYTES:
            raise ConfigurationError(f"TOKEN_KEYS key {kid!r} must decode to {KEY_BYTES} bytes")
        if any(kid == seen for seen, _ in ring):
            raise ConfigurationError(f"TOKEN_KEYS key id {kid!r} appears twice")
        ring.append((kid, key))
    if not ring:
        raise ConfigurationError("TOKEN_KEYS holds no keys")
    return ring


def _aad(user_id: str, platform: str, column: str) -> bytes:
    if column not in COLUMNS:
        raise ValueError(f"column must be one of {COLUMNS}")
    return f"{user_id}:{platform}:{column}".encode()


class TokenVault:
    """Encrypts tokens under the newest key of the ring and decrypts under any key of it."""

    def __init__(self, ring: list[tuple[str, bytes]]):
        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        if not ring:
            raise ConfigurationError("TOKEN_KEYS holds no keys")
        self._keys = {kid: AESGCM(key) for kid, key in ring}
        self.current_kid = ring[-1][0]

    @classmethod
    def from_settings(cls, settings: Settings) -> TokenVault:
        if settings.token_keys is None:
            raise ConfigurationError("TOKEN_KEYS is not set")
        return cls(parse_key_ring(settings.token_keys.get_secret_value()))

    def encrypt(self, plaintext: str, *, user_id: str, platform: str, column: str) -> bytes:
        kid = self.current_kid.encode("ascii")
        nonce = os.urandom(NONCE_BYTES)
        sealed = self._keys[self.current_kid].encrypt(nonce, plaintext.encode("utf-8"), _aad(user_id, platform, column))
        return bytes([FORMAT_VERSION, len(kid)]) + kid + nonce + sealed

    def decrypt(self, blob: bytes, *, user_id: str, platform: str, column: str) -> str:
        from cryptography.exceptions import InvalidTag

        kid, nonce, sealed = _split(blob)
        cipher = self._keys.get(kid)
        if cipher is None:
            raise TokenDecryptError(f"token was encrypted under key {kid!r}, which is not in the ring")
        try:
            plaintext = cipher.decrypt(nonce, sealed, _aad(user_id, platform, column))
        except InvalidTag:
            raise TokenDecryptError("token failed authentication (tampered, or stored for another row)") from None
        return plaintext.decode("utf-8")

    def key_id(self, blob: bytes) -> str:
        """The id of the key a blob was encrypted under."""
        return _split(blob)[0]

    def needs_reencrypt(self, blob: bytes) -> bool:
        """True when a blob was encrypted under an older key than the current one."""
        return self.key_id(blob) != self.current_kid


def _split(blob: bytes) -> tuple[str, bytes, bytes]:
    blob = bytes(blob)  # psycopg hands bytea back as memoryview
    if len(blob) < 2 or blob[0] != FORMAT_VERSION:
        raise TokenDecryptError("unknown token blob format")
    kid_len = blob[1]
    start = 2 + kid_len
    if kid_len == 0 or len(blob) < start + NONCE_BYTES + TAG_BYTES:
        raise TokenDecryptError("truncated token blob")
    try:
        kid = blob[2:start].decode("ascii")
    except UnicodeDecodeError:
        raise TokenDecryptError("corrupt token blob key id") from None
    return kid, blob[start : start + NONCE_BYTES], blob[start + NONCE_BYTES :]
