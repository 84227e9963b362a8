"""OAuth flows of all four platforms against the sandbox: codes, PKCE, lifetimes, rotation."""

from __future__ import annotations

import base64

from tests.integration.sandbox.conftest import pkce_pair, redirect_params

REDIRECT = "https://app.example.com/oauth/callback"


def _basic(client_id: str, secret: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()}


def test_instagram_code_is_single_use_and_tokens_follow_the_documented_lifetimes(sandbox, http):
    auth = http.get(
        sandbox.url("www.instagram.com", "/oauth/authorize"),
        params={
            "client_id": "ig-app",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "instagram_business_basic,instagram_business_manage_insights",
            "state": "s1",
        },
    )
    assert auth.headers["location"].endswith("#_")
    code = redirect_params(auth)["code"].removesuffix("#_")
    assert redirect_params(auth)["state"] == "s1"
    form = {
        "client_id": "ig-app",
        "client_secret": "x",
        "grant_type": "authorization_code",
        "redirect_uri": REDIRECT,
        "code": code,
    }
    short = http.post(sandbox.url("api.instagram.com", "/oauth/access_token"), data=form)
    assert short.status_code == 200
    entry = short.json()["data"][0]
    assert entry["access_token"].startswith("IGAA") and entry["user_id"] == "17841400000000001"
    replay = http.post(sandbox.url("api.instagram.com", "/oauth/access_token"), data=form)
    assert replay.status_code == 400
    assert replay.json() == {
        "error_type": "OAuthException",
        "code": 400,
        "error_message": "Matching code was not found or was already used",
    }
    long = http.get(
        sandbox.url("graph.instagram.com", "/access_token"),
        params={"grant_type": "ig_exchange_token", "client_secret": "x", "access_token": entry["access_token"]},
    )
    assert long.json()["expires_in"] == 5183944 and long.json()["token_type"] == "bearer"
    too_young = http.get(
        sandbox.url("graph.instagram.com", "/refresh_access_token"),
        params={"grant_type": "ig_refresh_token", "access_token": long.json()["access_token"]},
    )
    assert too_young.status_code == 400 and too_young.json()["error"]["type"] == "OAuthException"


def test_instagram_refresh_works_for_a_day_old_long_lived_token(sandbox, http):
    minted = sandbox.mint_token("instagram", creator=0, age_s=90000)
    fresh = http.get(
        sandbox.url("graph.instagram.com", "/refresh_access_token"),
        params={"grant_type": "ig_refresh_token", "access_token": minted["access_token"]},
    )
    assert fresh.status_code == 200 and fresh.json()["expires_in"] == 5183944
    assert fresh.json()["access_token"] != minted["access_token"]


def test_denied_consent_redirects_with_each_platforms_error_params(sandbox, http):
    ig = redirect_params(
        http.get(
            sandbox.url("www.instagram.com", "/oauth/authorize"),
            params={"client_id": "a", "redirect_uri": REDIRECT, "state": "z", "sandbox_consent": "deny"},
        )
    )
    assert ig == {
        "error": "access_denied",
        "error_reason": "user_denied",
        "error_description": "Permissions error",
        "state": "z",
    }
    google = redirect_params(
        http.get(
            sandbox.url("accounts.google.com", "/o/oauth2/v2/auth"),
            params={
                "client_id": "a",
                "redirect_uri": REDIRECT,
                "response_type": "code",
                "state": "z",
                "sandbox_consent": "deny",
            },
        )
    )
    assert google == {"error": "access_denied", "state": "z"}
    tiktok = redirect_params(
        http.get(
            sandbox.url("www.tiktok.com", "/v2/auth/authorize/"),
            params={
                "client_key": "a",
                "redirect_uri": REDIRECT,
                "response_type": "code",
                "state": "z",
                "sandbox_consent": "deny",
            },
        )
    )
    assert tiktok["error"] == "access_denied" and tiktok["error_description"]
    missing = http.get(sandbox.url("www.instagram.com", "/oauth/authorize"), params={"redirect_uri": REDIRECT})
    assert missing.status_code == 400


def _google_code(sandbox, http, challenge: str, **extra) -> str:
    auth = http.get(
        sandbox.url("accounts.google.com", "/o/oauth2/v2/auth"),
        params={
            "client_id": "g-app",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "state": "g",
            "scope": "https://www.googleapis.com/auth/youtube.readonly",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **extra,
        },
    )
    return redirect_params(auth)["code"]


def test_google_pkce_offline_refresh_and_revoke(sandbox, http):
    verifier, challenge = pkce_pair()
    token_url = sandbox.url("oauth2.googleapis.com", "/token")
    code = _google_code(sandbox, http, challenge, access_type="offline", prompt="consent", sandbox_creator="1")
    base = {"client_id": "g-app", "client_secret": "s", "redirect_uri": REDIRECT, "grant_type": "authorization_code"}
    wrong = http.post(token_url, data={**base, "code": code, "code_verifier": "not-the-verifier"})
    assert wrong.status_code == 400 and wrong.json()["error"] == "invalid_grant"
    code = _google_code(sandbox, http, challenge, access_type="offline", prompt="consent", sandbox_creator="1")
    tokens = http.post(token_url, data={**base, "code": code, "code_verifier": verifier}).json()
    assert tokens["expires_in"] == 3599 and tokens["access_token"].startswith("ya29.")
    refresh = tokens["refresh_token"]
    again = http.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "g-app", "client_secret": "s"},
    )
    assert again.status_code == 200 and "refresh_token" not in again.json()
    assert (
        http.post(
            token_url,
            data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "g-app", "client_secret": "s"},
        ).status_code
        == 200
    )  # Google refresh tokens do not rotate
    assert http.post(sandbox.url("oauth2.googleapis.com", "/revoke"), params={"token": refresh}).status_code == 200
    after = http.post(
        token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh, "client_id": "g-app", "client_secret": "s"},
    )
    assert after.json() == {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
    api = http.get(
        sandbox.url("www.googleapis.com", "/youtube/v3/channels"),
        params={"part": "id", "mine": "true"},
        headers={"Authorization": f"Bearer {again.json()['access_token']}"},
    )
    assert api.status_code == 401 and api.json()["error"]["status"] == "UNAUTHENTICATED"


def test_google_gives_no_refresh_token_on_reconsent_without_prompt(sandbox, http):
    verifier, challenge = pkce_pair()
    base = {"client_id": "g-app", "client_secret": "s", "redirect_uri": REDIRECT, "grant_type": "authorization_code"}
    code = _google_code(sandbox, http, challenge, access_type="offline", sandbox_creator="2")
    first = http.post(
        sandbox.url("oauth2.googleapis.com", "/token"), data={**base, "code": code, "code_verifier": verifier}
    )
    assert "refresh_token" in first.json()
    code = _google_code(sandbox, http, challenge, access_type="offline", sandbox_creator="2")
    second = http.post(
        sandbox.url("oauth2.googleapis.com", "/token"), data={**base, "code": code, "code_verifier": verifier}
    )
    assert "refresh_token" not in second.json()


def test_pinterest_refresh_rotates_and_reuse_of_the_old_token_is_refused(sandbox, http):
    auth = http.get(
        sandbox.url("www.pinterest.com", "/oauth/"),
        params={
            "client_id": "p-app",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "scope": "user_accounts:read,pins:read",
            "state": "p",
        },
    )
    code = redirect_params(auth)["code"]
    token_url = sandbox.url("api.pinterest.com", "/v5/oauth/token")
    no_auth = http.post(token_url, data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT})
    assert no_auth.status_code == 401 and no_auth.json() == {"code": 2, "message": "Authentication failed."}
    first = http.post(
        token_url,
        headers=_basic("p-app", "secret"),
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT},
    ).json()
    assert first["access_token"].startswith("pina_") and first["expires_in"] == 2592000
    assert first["refresh_token_expires_in"] == 5184000 and first["response_type"] == "authorization_code"
    before = sandbox.stats()["double_use_attempts"]
    second = http.post(
        token_url,
        headers=_basic("p-app", "secret"),
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"], "continuous_refresh": "true"},
    )
    assert second.status_code == 200 and second.json()["refresh_token"] != first["refresh_token"]
    reuse = http.post(
        token_url,
        headers=_basic("p-app", "secret"),
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
    )
    assert reuse.status_code == 400 and set(reuse.json()) == {"code", "message"}
    assert sandbox.stats()["double_use_attempts"] == before + 1


def test_tiktok_pkce_rotation_and_revoke(sandbox, http):
    verifier, challenge = pkce_pair()
    auth = http.get(
        sandbox.url("www.tiktok.com", "/v2/auth/authorize/"),
        params={
            "client_key": "t-app",
            "redirect_uri": REDIRECT,
            "response_type": "code",
            "state": "t",
            "scope": "user.info.basic,user.info.stats,video.list",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    params = redirect_params(auth)
    assert params["scopes"] == "user.info.basic,user.info.stats,video.list"
    token_url = sandbox.url("open.tiktokapis.com", "/v2/oauth/token/")
    base = {
        "client_key": "t-app",
        "client_secret": "s",
        "redirect_uri": REDIRECT,
        "grant_type": "authorization_code",
        "code": params["code"],
    }
    tokens = http.post(token_url, data={**base, "code_verifier": verifier}).json()
    assert tokens["access_token"].startswith("act.") and tokens["refresh_token"].startswith("rft.")
    assert tokens["expires_in"] == 7200 and tokens["token_type"] == "Bearer"
    replay = http.post(token_url, data={**base, "code_verifier": verifier})
    assert replay.json()["error"] == "invalid_grant" and replay.json()["log_id"]
    refresh = {
        "client_key": "t-app",
        "client_secret": "s",
        "grant_type": "refresh_token",
        "refresh_token": tokens["refresh_token"],
    }
    rotated = http.post(token_url, data=refresh).json()
    assert rotated["refresh_token"] != tokens["refresh_token"]
    reuse = http.post(token_url, data=refresh)
    assert reuse.status_code == 400 and reuse.json()["error"] == "invalid_grant"
    revoke = http.post(
        sandbox.url("open.tiktokapis.com", "/v2/oauth/revoke/"),
        data={"client_key": "t-app", "client_secret": "s", "token": rotated["access_token"]},
    )
    assert revoke.status_code == 200
    info = http.get(
        sandbox.url("open.tiktokapis.com", "/v2/user/info/"),
        params={"fields": "open_id"},
        headers={"Authorization": f"Bearer {rotated['access_token']}"},
    )
    assert info.status_code == 401 and info.json()["error"]["code"] == "access_token_invalid"
