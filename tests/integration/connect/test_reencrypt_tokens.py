"""scripts/reencrypt_tokens.py: every blob moves to the newest key, idempotently, and still decrypts."""

from __future__ import annotations

import psycopg
from psycopg.rows import dict_row

from scripts.reencrypt_tokens import reencrypt_table
from shared.config import get_settings
from shared.platforms.models import Profile, TokenSet
from shared.services.connections import load_tokens, save_connection
from shared.services.oauth_state import binding_value, consume_state, issue_state
from shared.vault import TokenVault, generate_key, parse_key_ring


def test_rotation_reencrypts_tokens_and_verifiers_under_the_newest_key(stack, make_user):
    app_ring = get_settings().token_keys.get_secret_value()
    current = TokenVault.from_settings(get_settings())
    new_kid, new_key = "rot" + current.current_kid, generate_key()
    rotated = TokenVault(parse_key_ring(f"{app_ring},{new_kid}:{new_key}"))
    back = TokenVault(parse_key_ring(f"{new_kid}:{new_key},{app_ring}"))  # newest = the app's own key again
    user = make_user("rotate")
    with psycopg.connect(stack.database.url, autocommit=True, row_factory=dict_row) as conn:
        save_connection(
            conn,
            current,
            user_id=user.user_id,
            platform="tiktok",
            tokens=TokenSet(access_token="act.rotate-me-access", refresh_token="rft.rotate-me-refresh"),
            profile=Profile(platform="tiktok", platform_user_id="open-rotate"),
        )
        state = issue_state(
            conn,
            get_settings(),
            current,
            user_id=user.user_id,
            platform="youtube",
            redirect_uri="http://x/cb",
            code_verifier="verifier-" + "r" * 50,
        )
        try:
            first = [reencrypt_table(rotated, t) for t in ("platform_connections", "oauth_states")]
            again = [reencrypt_table(rotated, t) for t in ("platform_connections", "oauth_states")]
            row = conn.execute(
                "select *, platform::text as platform from platform_connections where user_id = %s", (user.user_id,)
            ).fetchone()
            row["user_id"] = str(row["user_id"])
            assert rotated.key_id(bytes(row["access_token"])) == new_kid
            assert rotated.key_id(bytes(row["refresh_token"])) == new_kid
            tokens = load_tokens(rotated, row)
            assert tokens.access_token.get_secret_value() == "act.rotate-me-access"
            assert tokens.refresh_token.get_secret_value() == "rft.rotate-me-refresh"
            assert first[0].by_column.get("access_token", 0) >= 1 and first[1].by_column["code_verifier"] >= 1
            assert again[0].reencrypted == 0 and again[1].reencrypted == 0  # idempotent
            assert (
                consume_state(
                    conn, get_settings(), rotated, state.value, binding=binding_value(get_settings(), user.user_id)
                ).code_verifier
                == "verifier-" + "r" * 50
            )
        finally:
            # Put every blob back under the app's own key for the rest of the session.
            for table in ("platform_connections", "oauth_states"):
                reencrypt_table(back, table)
        restored = conn.execute(
            "select access_token from platform_connections where user_id = %s", (user.user_id,)
        ).fetchone()
        assert current.key_id(bytes(restored["access_token"])) == current.current_kid


def test_the_script_prints_counts_and_never_a_token(stack, make_user, capsys):
    from scripts.reencrypt_tokens import main

    user = make_user("print")
    with psycopg.connect(stack.database.url, autocommit=True, row_factory=dict_row) as conn:
        save_connection(
            conn,
            TokenVault.from_settings(get_settings()),
            user_id=user.user_id,
            platform="pinterest",
            tokens=TokenSet(access_token="pina_PRINTED_NEVER", refresh_token="pinr_PRINTED_NEVER"),
            profile=Profile(platform="pinterest", platform_user_id="pin-print"),
        )
    main([])
    out = capsys.readouterr().out
    assert "platform_connections: examined" in out and "oauth_states: examined" in out
    assert "PRINTED_NEVER" not in out
