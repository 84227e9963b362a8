"""The token vault: AES-256-GCM blobs bound to their row, under a rotating key ring."""

from __future__ import annotations

import base64

import pytest

from shared.config import Settings
from shared.errors import ConfigurationError
from shared.vault import TokenDecryptError, TokenVault, generate_key, parse_key_ring

TOKEN = "IGQVJ-super-secret-access-token-123456"
ROW = {"user_id": "8d2f5a9e-0000-4000-8000-000000000001", "platform": "instagram", "column": "access_token"}
KEY_V1 = generate_key()
KEY_V2 = generate_key()


def vault(spec: str) -> TokenVault:
    return TokenVault.from_settings(Settings(token_keys=spec))


def test_round_trip_returns_the_plaintext():
    v = vault(f"v1:{KEY_V1}")
    blob = v.encrypt(TOKEN, **ROW)
    assert TOKEN.encode() not in blob
    assert v.decrypt(blob, **ROW) == TOKEN


def test_blob_layout_is_version_kid_nonce_ciphertext():
    blob = vault(f"v1:{KEY_V1}").encrypt(TOKEN, **ROW)
    assert blob[0] == 1
    assert blob[1] == 2 and blob[2:4] == b"v1"
    assert len(blob) == 1 + 1 + 2 + 12 + len(TOKEN.encode()) + 16


def test_each_encryption_uses_a_fresh_nonce():
    v = vault(f"v1:{KEY_V1}")
    assert v.encrypt(TOKEN, **ROW) != v.encrypt(TOKEN, **ROW)


def test_rotation_decrypts_old_blobs_and_reencrypts_under_the_newest_key():
    old = vault(f"v1:{KEY_V1}").encrypt(TOKEN, **ROW)
    rotated = vault(f"v1:{KEY_V1},v2:{KEY_V2}")
    assert rotated.current_kid == "v2"
    assert rotated.key_id(old) == "v1"
    assert rotated.needs_reencrypt(old) is True
    new = rotated.encrypt(rotated.decrypt(old, **ROW), **ROW)
    assert rotated.key_id(new) == "v2" and rotated.needs_reencrypt(new) is False
    only_v2 = vault(f"v2:{KEY_V2}")
    assert only_v2.decrypt(new, **ROW) == TOKEN
    with pytest.raises(TokenDecryptError, match="not in the ring"):
        only_v2.decrypt(old, **ROW)


def test_blob_copied_to_another_users_row_is_refused():
    v = vault(f"v1:{KEY_V1}")
    blob = v.encrypt(TOKEN, **ROW)
    with pytest.raises(TokenDecryptError):
        v.decrypt(blob, **{**ROW, "user_id": "someone-else"})
    with pytest.raises(TokenDecryptError):
        v.decrypt(blob, **{**ROW, "platform": "tiktok"})


def test_access_token_blob_cannot_be_read_as_refresh_token():
    v = vault(f"v1:{KEY_V1}")
    blob = v.encrypt(TOKEN, **ROW)
    with pytest.raises(TokenDecryptError):
        v.decrypt(blob, **{**ROW, "column": "refresh_token"})


def test_unknown_column_is_a_programming_error():
    with pytest.raises(ValueError):
        vault(f"v1:{KEY_V1}").encrypt(TOKEN, **{**ROW, "column": "password"})


@pytest.mark.parametrize("position", [0, 1, 5, 20, -1])
def test_tampered_byte_is_refused(position):
    v = vault(f"v1:{KEY_V1}")
    blob = bytearray(v.encrypt(TOKEN, **ROW))
    blob[position] ^= 0x01
    with pytest.raises(TokenDecryptError):
        v.decrypt(bytes(blob), **ROW)


def test_unknown_version_byte_and_truncated_blob_are_refused():
    v = vault(f"v1:{KEY_V1}")
    blob = v.encrypt(TOKEN, **ROW)
    with pytest.raises(TokenDecryptError, match="format"):
        v.decrypt(b"\x02" + blob[1:], **ROW)
    with pytest.raises(TokenDecryptError, match="truncated"):
        v.decrypt(blob[:10], **ROW)
    with pytest.raises(TokenDecryptError):
        v.decrypt(b"", **ROW)


def test_decrypt_errors_never_contain_the_token():
    v = vault(f"v1:{KEY_V1}")
    blob = v.encrypt(TOKEN, **ROW)
    for bad in (blob[:-1] + bytes([blob[-1] ^ 1]), b"\x07" + blob[1:]):
        with pytest.raises(TokenDecryptError) as caught:
            v.decrypt(bad, **ROW)
        assert TOKEN not in str(caught.value) and KEY_V1 not in str(caught.value)


def test_memoryview_blobs_from_the_database_decrypt():
    v = vault(f"v1:{KEY_V1}")
    assert v.decrypt(memoryview(v.encrypt(TOKEN, **ROW)), **ROW) == TOKEN


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "v1",
        f"v1{KEY_V1}",
        "v1:not base64!!",
        f"v1:{base64.b64encode(b'short').decode()}",
        f"v1:{KEY_V1},v1:{KEY_V2}",
        f"bad kid:{KEY_V1}",
    ],
)
def test_invalid_key_ring_names_no_key_material(spec):
    with pytest.raises(ConfigurationError) as caught:
        parse_key_ring(spec)
    message = str(caught.value)
    assert KEY_V1 not in message and KEY_V2 not in message


def test_missing_token_keys_is_a_configuration_error():
    with pytest.raises(ConfigurationError):
        TokenVault.from_settings(Settings())


def test_generated_key_is_32_random_bytes():
    assert len(base64.b64decode(generate_key())) == 32
    assert generate_key() != generate_key()


def test_code_verifier_column_round_trips_and_is_bound_to_its_column():
    v = vault(f"v1:{KEY_V1}")
    verifier = "pkce-verifier-" + "v" * 50
    row = {**ROW, "column": "code_verifier"}
    blob = v.encrypt(verifier, **row)
    assert verifier.encode() not in blob
    assert v.decrypt(blob, **row) == verifier
    with pytest.raises(TokenDecryptError):
        v.decrypt(blob, **{**row, "column": "access_token"})
