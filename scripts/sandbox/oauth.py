"""Authorize pages that consent on the user's behalf, and each platform's token endpoints."""

from __future__ import annotations

import base64
import hashlib
import secrets
import time
from html import escape
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from scripts.sandbox.errors import meta_error, meta_token_error, oauth_error, pinterest_error
from scripts.sandbox.tokens import AuthCode, pkce_matches

IG_SHORT_S, IG_LONG_S = 3600, 5183944
FB_SHORT_S = 5400
GOOGLE_ACCESS_S = 3599
PINTEREST_ACCESS_S, PINTEREST_REFRESH_S = 2592000, 5184000
TIKTOK_ACCESS_S, TIKTOK_REFRESH_S = 7200, 15552000  # 2 h / 180 days per the Nov 2026 docs
ALL_SCOPES = {
    "instagram": "instagram_business_basic,instagram_business_manage_insights",
    "facebook": "instagram_basic,instagram_manage_insights,pages_read_engagement,pages_show_list",
    "youtube": "https://www.googleapis.com/auth/youtube.readonly https://www.googleapis.com/auth/yt-analytics.readonly",
    "pinterest": "boards:read,pins:read,user_accounts:read",
    "tiktok": "user.info.basic,user.info.profile,user.info.stats,video.list",
}
_DENIALS = {
    "instagram": {"error": "access_denied", "error_reason": "user_denied", "error_description": "Permissions error"},
    "facebook": {
        "error": "access_denied",
        "error_code": "200",
        "error_description": "Permissions error",
        "error_reason": "user_denied",
    },
    "youtube": {"error": "access_denied"},
    "pinterest": {"error": "access_denied"},
    "tiktok": {"error": "access_denied", "error_description": "The user denied the authorization request."},
}


async def read_form(request: Request) -> dict[str, str]:
    """An x-www-form-urlencoded body (python-multipart is not a dependency here)."""
    from urllib.parse import parse_qsl

    body = (await request.body()).decode("utf-8", "replace")
    return dict(parse_qsl(body, keep_blank_values=True))


def _world(request: Request):
    return request.app.state.world


def _error_page(message: str) -> HTMLResponse:
    return HTMLResponse(f"<!DOCTYPE html><html><body><h1>Error</h1><p>{message}</p></body></html>", status_code=400)


def _with_query(uri: str, params: dict) -> str:
    return uri + ("&" if "?" in uri else "?") + urlencode({k: v for k, v in params.items() if v is not None})


async def _authorize(
    request: Request, platform: str, client_params: tuple[str, ...], code_ttl: int, code_suffix: str = ""
) -> Response:
    params = request.query_params
    client_id = next((params[p] for p in client_params if params.get(p)), "")
    redirect_uri = params.get("redirect_uri")
    if not client_id:
        return _error_page(f"Invalid request: missing {client_params[0]}.")
    if not redirect_uri:
        return _error_page("Invalid request: missing redirect_uri.")
    state = params.get("state")
    if params.get("response_type", "code") != "code":
        return RedirectResponse(_with_query(redirect_uri, {"error": "unsupported_response_type", "state": state}), 302)
    world = _world(request)
    try:
        creator = int(params.get("sandbox_creator", "0"))
    except ValueError:
        return _error_page("sandbox_creator must be an integer.")
    if not 0 <= creator < world.config.creators:
        return _error_page(f"sandbox_creator must be within 0..{world.config.creators - 1}.")
    if params.get("sandbox_consent") == "deny":
        return RedirectResponse(_with_query(redirect_uri, {**_DENIALS[platform], "state": state}), 302)
    if "sandbox_consent" not in params and "sandbox_creator" not in params and _from_a_browser(request):
        return _consent_page(request, platform, world)
    code = world.tokens.new_code(
        AuthCode(
            code=("AQ" if platform in ("instagram", "facebook") else "") + secrets.token_urlsafe(48),
            platform=platform,
            creator=creator,
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=params.get("scope") or params.get("config_id") or "",
            expires_at=time.time() + code_ttl,
            code_challenge=params.get("code_challenge"),
            code_challenge_method=params.get("code_challenge_method"),
            extra={"access_type": params.get("access_type"), "prompt": params.get("prompt")},
        )
    )
    query = {"code": code.code, "state": state}
    if platform == "tiktok":
        query = {"code": code.code, "scopes": code.scope, "state": state}
    return RedirectResponse(_with_query(redirect_uri, query) + code_suffix, 302)


def _from_a_browser(request: Request) -> bool:
    """A browser navigating here asks for HTML; scripted clients (httpx: */*) are consented for at once."""
    return "text/html" in request.headers.get("accept", "")


def _consent_page(request: Request, platform: str, world) -> HTMLResponse:
    """The platform's consent screen: pick the account you are signed in with, or cancel."""
    base = str(request.url)
    accounts = "".join(
        f'<li><a class="allow" id="allow-{i}" '
        f'href="{escape(_with_query(base, {"sandbox_creator": i, "sandbox_consent": "allow"}))}">'
        f"Continue as {escape(world.creator(i).handles.get(platform, f'creator {i}'))}</a></li>"
        for i in range(world.config.creators)
    )
    cancel = escape(_with_query(base, {"sandbox_consent": "deny"}))
    return HTMLResponse(
        f"<!DOCTYPE html><html><head><title>Authorize app</title></head><body>"
        f"<h1>An app wants to read your {escape(platform)} analytics</h1><ul>{accounts}</ul>"
        f'<a id="cancel" href="{cancel}">Cancel</a></body></html>'
    )


def _code_problem(
    code: AuthCode | None, platform: str, client_id: str, redirect_uri: str | None, verifier: str | None
) -> str | None:
    """None if the code may be exchanged, else a short reason."""
    if code is None or code.platform != platform:
        return "unknown"
    if code.used:
        return "used"
    if code.expires_at <= time.time():
        return "expired"
    if client_id and client_id != code.client_id:
        return "client"
    if (redirect_uri or "") != code.redirect_uri:
        return "redirect"
    if code.code_challenge and not _pkce_ok(platform, verifier, code):
        return "pkce"
    return None


def _pkce_ok(platform: str, verifier: str | None, code: AuthCode) -> bool:
    if pkce_matches(verifier, code.code_challenge or "", code.code_challenge_method):
        return True
    # TikTok's desktop flow documents a hex SHA-256 challenge; accept it as TikTok does.
    return (
        platform == "tiktok"
        and verifier is not None
        and verifier != ""
        and hashlib.sha256(verifier.encode()).hexdigest() == code.code_challenge
    )


# Instagram Login ---------------------------------------------------------------------------------
async def instagram_authorize(request: Request) -> Response:
    return await _authorize(request, "instagram", ("client_id",), code_ttl=3600, code_suffix="#_")


def _ig_code_error(message: str) -> JSONResponse:
    return JSONResponse({"error_type": "OAuthException", "code": 400, "error_message": message}, status_code=400)


async def instagram_code_exchange(request: Request) -> Response:
    form = await read_form(request)
    world = _world(request)
    if not form.get("client_id") or not form.get("client_secret"):
        return _ig_code_error("Missing required parameter client_id or client_secret")
    if form.get("grant_type") != "authorization_code":
        return _ig_code_error("Invalid grant_type: authorization_code is expected")
    code = world.tokens.take_code(str(form.get("code", "")))
    problem = _code_problem(code, "instagram", str(form["client_id"]), form.get("redirect_uri"), None)
    if problem == "redirect":
        return _ig_code_error(
            "Error validating verification code. Please make sure your redirect_uri is "
            "identical to the one you used in the OAuth dialog request"
        )
    if problem:
        return _ig_code_error("Matching code was not found or was already used")
    token = world.tokens.issue(
        "instagram",
        code.creator,
        "access",
        IG_SHORT_S,
        code.client_id,
        code.scope or ALL_SCOPES["instagram"],
        variant="short",
        grant=code.code,
    )
    user_id = world.creator(code.creator).user_ids["instagram"]
    return JSONResponse(
        {"data": [{"access_token": token.value, "user_id": user_id, "permissions": token.scope.replace(" ", ",")}]}
    )


def instagram_exchange(request: Request) -> Response:
    """GET graph.instagram.com/access_token?grant_type=ig_exchange_token: short -> 60-day token."""
    params = request.query_params
    world = _world(request)
    if params.get("grant_type") != "ig_exchange_token":
        return meta_error("(#100) grant_type must be ig_exchange_token", 100)
    if not params.get("client_secret"):
        return meta_error("(#100) Missing client_secret parameter.", 100)
    token = world.tokens.get(params.get("access_token"))
    problem = world.tokens.problem(token, "instagram")
    if problem:
        return meta_token_error(problem)
    if token.variant != "short":
        return meta_error("(#100) The access token is already a long-lived token.", 100)
    long_lived = world.tokens.issue(
        "instagram", token.creator, "access", IG_LONG_S, token.client_id, token.scope, variant="long", grant=token.grant
    )
    return JSONResponse({"access_token": long_lived.value, "token_type": "bearer", "expires_in": IG_LONG_S})


def instagram_refresh(request: Request) -> Response:
    """GET graph.instagram.com/refresh_access_token: only for long-lived tokens at least 24 h old."""
    params = request.query_params
    world = _world(request)
    if params.get("grant_type") != "ig_refresh_token":
        return meta_error("(#100) grant_type must be ig_refresh_token", 100)
    token = world.tokens.get(params.get("access_token"))
    world.tokens.refresh_uses += 1
    problem = world.tokens.problem(token, "instagram")
    if problem:
        return meta_token_error(problem)
    if token.variant != "long":
        return meta_error(
            "(#100) Short-lived tokens cannot be refreshed; exchange them for a long-lived token first.", 100
        )
    if time.time() - token.issued_at < 86400:
        return meta_error("(#100) The access token is less than 24 hours old and cannot be refreshed yet.", 100)
    fresh = world.tokens.issue(
        "instagram", token.creator, "access", IG_LONG_S, token.client_id, token.scope, variant="long", grant=token.grant
    )
    return JSONResponse({"access_token": fresh.value, "token_type": "bearer", "expires_in": IG_LONG_S})


# Facebook Login (for hashtag search and business discovery) ----------------------------------------
async def facebook_authorize(request: Request) -> Response:
    return await _authorize(request, "facebook", ("client_id",), code_ttl=600)


def facebook_token(request: Request) -> Response:
    """GET graph.facebook.com/{v}/oauth/access_token: code -> short token; fb_exchange_token -> 60 days."""
    params = request.query_params
    world = _world(request)
    if not params.get("client_id") or not params.get("client_secret"):
        return meta_error("Missing client_id or client_secret parameter.", 101)
    if params.get("grant_type") == "fb_exchange_token":
        token = world.tokens.get(params.get("fb_exchange_token"))
        problem = world.tokens.problem(token, "facebook")
        if problem:
            return meta_token_error(problem)
        fresh = world.tokens.issue(
            "facebook",
            token.creator,
            "access",
            IG_LONG_S,
            token.client_id,
            token.scope,
            variant="long",
            grant=token.grant,
        )
        return JSONResponse({"access_token": fresh.value, "token_type": "bearer", "expires_in": IG_LONG_S})
    code = world.tokens.take_code(params.get("code", ""))
    problem = _code_problem(
        code, "facebook", params["client_id"], params.get("redirect_uri"), params.get("code_verifier")
    )
    if problem == "used":
        return meta_error("This authorization code has been used.", 100, subcode=36009)
    if problem == "redirect":
        return meta_error(
            "Error validating verification code. Please make sure your redirect_uri is identical "
            "to the one you used in the OAuth dialog request",
            100,
            subcode=36008,
        )
    if problem:
        return meta_error("Invalid verification code format.", 100, subcode=36007)
    token = world.tokens.issue(
        "facebook",
        code.creator,
        "access",
        FB_SHORT_S,
        code.client_id,
        code.scope or ALL_SCOPES["facebook"],
        variant="short",
        grant=code.code,
    )
    return JSONResponse({"access_token": token.value, "token_type": "bearer", "expires_in": FB_SHORT_S})


# Google ------------------------------------------------------------------------------------------
async def google_authorize(request: Request) -> Response:
    return await _authorize(request, "youtube", ("client_id",), code_ttl=600)


def _basic_credentials(request: Request) -> tuple[str, str] | None:
    header = request.headers.get("authorization", "")
    if not header.lower().startswith("basic "):
        return None
    try:
        client_id, _, secret = base64.b64decode(header[6:]).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    return client_id, secret


async def google_token(request: Request) -> Response:
    form = await read_form(request)
    world = _world(request)
    basic = _basic_credentials(request)
    client_id = str(form.get("client_id") or (basic[0] if basic else ""))
    if not client_id:
        return oauth_error("invalid_request", "Could not determine client ID from request.")
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        code = world.tokens.take_code(str(form.get("code", "")))
        problem = _code_problem(code, "youtube", client_id, form.get("redirect_uri"), form.get("code_verifier"))
        if problem == "redirect":
            return oauth_error("redirect_uri_mismatch", "Bad Request")
        if problem == "client":
            return oauth_error("invalid_client", "Unauthorized", status=401)
        if problem == "pkce":
            return oauth_error(
                "invalid_grant", "Missing code verifier." if not form.get("code_verifier") else "Invalid code verifier."
            )
        if problem:
            return oauth_error(
                "invalid_grant", "Bad Request" if problem != "expired" else "Code was already redeemed or expired."
            )
        scope = code.scope or ALL_SCOPES["youtube"]
        access = world.tokens.issue(
            "youtube", code.creator, "access", GOOGLE_ACCESS_S, client_id, scope, grant=code.code
        )
        body = {"access_token": access.value, "expires_in": GOOGLE_ACCESS_S, "scope": scope, "token_type": "Bearer"}
        consent_key = ("youtube", code.creator, client_id)
        first_consent = consent_key not in world.tokens.consents
        if code.extra.get("access_type") == "offline" and (first_consent or code.extra.get("prompt") == "consent"):
            refresh = world.tokens.issue("youtube", code.creator, "refresh", None, client_id, scope, grant=code.code)
            body["refresh_token"] = refresh.value
        world.tokens.consents.add(consent_key)
        return JSONResponse(body)
    if grant_type == "refresh_token":
        token = world.tokens.get(str(form.get("refresh_token", "")))
        problem = world.tokens.use_refresh(token, "youtube", rotate=False)
        if problem:
            return oauth_error("invalid_grant", "Token has been expired or revoked.")
        if token.client_id != client_id:
            return oauth_error("unauthorized_client", "Unauthorized", status=401)
        access = world.tokens.issue(
            "youtube", token.creator, "access", GOOGLE_ACCESS_S, client_id, token.scope, grant=token.grant
        )
        return JSONResponse(
            {"access_token": access.value, "expires_in": GOOGLE_ACCESS_S, "scope": token.scope, "token_type": "Bearer"}
        )
    return oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")


async def google_revoke(request: Request) -> Response:
    form = await read_form(request)
    world = _world(request)
    value = request.query_params.get("token") or str(form.get("token", ""))
    token = world.tokens.get(value)
    if token is None or token.platform != "youtube" or token.revoked:
        return oauth_error("invalid_token", "Token expired or revoked")
    world.tokens.revoke(token, whole_grant=True)
    return JSONResponse({})


# Pinterest ---------------------------------------------------------------------------------------
async def pinterest_authorize(request: Request) -> Response:
    return await _authorize(request, "pinterest", ("client_id", "consumer_id"), code_ttl=600)


def _pinterest_body(token_access, token_refresh, response_type: str) -> dict:
    return {
        "access_token": token_access.value,
        "token_type": "bearer",
        "expires_in": PINTEREST_ACCESS_S,
        "scope": token_access.scope,
        "refresh_token": token_refresh.value,
        "refresh_token_expires_in": PINTEREST_REFRESH_S,
        "refresh_token_expires_at": int(token_refresh.expires_at),
        "response_type": response_type,
    }


async def pinterest_token(request: Request) -> Response:
    world = _world(request)
    basic = _basic_credentials(request)
    if not basic or not basic[0] or not basic[1]:
        return pinterest_error(401, 2, "Authentication failed.")
    client_id = basic[0]
    form = await read_form(request)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        code = world.tokens.take_code(str(form.get("code", "")))
        problem = _code_problem(code, "pinterest", client_id, form.get("redirect_uri"), form.get("code_verifier"))
        if problem == "redirect":
            return pinterest_error(400, 1, "Invalid redirect_uri: it does not match the one used to authorize.")
        if problem:
            return pinterest_error(400, 1, "Invalid authorization code.")
        scope = code.scope or ALL_SCOPES["pinterest"]
        access = world.tokens.issue(
            "pinterest", code.creator, "access", PINTEREST_ACCESS_S, client_id, scope, grant=code.code
        )
        refresh = world.tokens.issue(
            "pinterest", code.creator, "refresh", PINTEREST_REFRESH_S, client_id, scope, grant=code.code
        )
        return JSONResponse(_pinterest_body(access, refresh, "authorization_code"))
    if grant_type == "refresh_token":
        # Continuous refresh (spec 5.23): every refresh returns a new 60-day refresh token and retires
        # the old one. `continuous_refresh` / legacy `refresh_on` are accepted; legacy tokens are gone.
        token = world.tokens.get(str(form.get("refresh_token", "")))
        problem = world.tokens.use_refresh(token, "pinterest", rotate=True)
        if problem:
            return pinterest_error(400, 1, "Invalid refresh token.")
        scope = str(form.get("scope") or token.scope)
        access = world.tokens.issue(
            "pinterest", token.creator, "access", PINTEREST_ACCESS_S, client_id, scope, grant=token.grant
        )
        refresh = world.tokens.issue(
            "pinterest", token.creator, "refresh", PINTEREST_REFRESH_S, client_id, scope, grant=token.grant
        )
        return JSONResponse(_pinterest_body(access, refresh, "refresh_token"))
    return pinterest_error(400, 1, f"Invalid grant_type: {grant_type}")


# TikTok ------------------------------------------------------------------------------------------
async def tiktok_authorize(request: Request) -> Response:
    return await _authorize(request, "tiktok", ("client_key",), code_ttl=600)


def _tiktok_body(access, refresh, open_id: str) -> dict:
    return {
        "access_token": access.value,
        "expires_in": TIKTOK_ACCESS_S,
        "open_id": open_id,
        "refresh_expires_in": TIKTOK_REFRESH_S,
        "refresh_token": refresh.value,
        "scope": access.scope,
        "token_type": "Bearer",
    }


async def tiktok_token(request: Request) -> Response:
    world = _world(request)
    if "application/x-www-form-urlencoded" not in request.headers.get("content-type", ""):
        return oauth_error(
            "invalid_request", "Content-Type must be application/x-www-form-urlencoded.", with_log_id=True
        )
    form = await read_form(request)
    client_key = str(form.get("client_key", ""))
    if not client_key or not form.get("client_secret"):
        return oauth_error("invalid_client", "Client key or secret is incorrect.", status=401, with_log_id=True)
    grant_type = form.get("grant_type")
    if grant_type == "authorization_code":
        code = world.tokens.take_code(str(form.get("code", "")))
        problem = _code_problem(code, "tiktok", client_key, form.get("redirect_uri"), form.get("code_verifier"))
        if problem == "redirect":
            return oauth_error("invalid_request", "Redirect URI does not match.", with_log_id=True)
        if problem == "client":
            return oauth_error(
                "invalid_client", "Client key does not match the authorization code.", status=401, with_log_id=True
            )
        if problem:
            return oauth_error(
                "invalid_grant",
                "Authorization code is expired or was already used."
                if problem != "pkce"
                else "Code verifier is invalid.",
                with_log_id=True,
            )
        scope = code.scope or ALL_SCOPES["tiktok"]
        access = world.tokens.issue(
            "tiktok", code.creator, "access", TIKTOK_ACCESS_S, client_key, scope, grant=code.code
        )
        refresh = world.tokens.issue(
            "tiktok", code.creator, "refresh", TIKTOK_REFRESH_S, client_key, scope, grant=code.code
        )
        return JSONResponse(_tiktok_body(access, refresh, world.creator(code.creator).user_ids["tiktok"]))
    if grant_type == "refresh_token":
        token = world.tokens.get(str(form.get("refresh_token", "")))
        problem = world.tokens.use_refresh(token, "tiktok", rotate=True)
        if problem:
            return oauth_error("invalid_grant", "Refresh token is invalid or expired.", with_log_id=True)
        access = world.tokens.issue(
            "tiktok", token.creator, "access", TIKTOK_ACCESS_S, client_key, token.scope, grant=token.grant
        )
        refresh = world.tokens.issue(
            "tiktok", token.creator, "refresh", TIKTOK_REFRESH_S, client_key, token.scope, grant=token.grant
        )
        return JSONResponse(_tiktok_body(access, refresh, world.creator(token.creator).user_ids["tiktok"]))
    return oauth_error("unsupported_grant_type", f"Unsupported grant_type {grant_type}.", with_log_id=True)


async def tiktok_revoke(request: Request) -> Response:
    form = await read_form(request)
    world = _world(request)
    if not form.get("client_key") or not form.get("client_secret"):
        return oauth_error("invalid_client", "Client key or secret is incorrect.", status=401, with_log_id=True)
    token = world.tokens.get(str(form.get("token", "")))
    if token is None or token.platform != "tiktok":
        return oauth_error("invalid_request", "Token is invalid.", with_log_id=True)
    world.tokens.revoke(token, whole_grant=True)
    return JSONResponse({})


def routes() -> dict[str, list]:
    return {
        "www.instagram.com": [Route("/oauth/authorize", instagram_authorize)],
        "api.instagram.com": [Route("/oauth/access_token", instagram_code_exchange, methods=["POST"])],
        "www.facebook.com": [
            Route("/{version}/dialog/oauth", facebook_authorize),
            Route("/dialog/oauth", facebook_authorize),
        ],
        "accounts.google.com": [
            Route("/o/oauth2/v2/auth", google_authorize),
            Route("/o/oauth2/auth", google_authorize),
        ],
        "oauth2.googleapis.com": [
            Route("/token", google_token, methods=["POST"]),
            Route("/revoke", google_revoke, methods=["POST", "GET"]),
        ],
        "www.pinterest.com": [Route("/oauth/", pinterest_authorize), Route("/oauth", pinterest_authorize)],
        "api.pinterest.com": [Route("/v5/oauth/token", pinterest_token, methods=["POST"])],
        "www.tiktok.com": [
            Route("/v2/auth/authorize/", tiktok_authorize),
            Route("/v2/auth/authorize", tiktok_authorize),
        ],
        "open.tiktokapis.com": [
            Route("/v2/oauth/token/", tiktok_token, methods=["POST"]),
            Route("/v2/oauth/revoke/", tiktok_revoke, methods=["POST"]),
        ],
    }
