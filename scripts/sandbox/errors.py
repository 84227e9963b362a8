"""Each platform's own error envelopes, so clients meet the shapes they meet in production."""

from __future__ import annotations

import secrets

from starlette.responses import JSONResponse

META_HOSTS = ("graph.instagram.com", "graph.facebook.com", "api.instagram.com", "www.instagram.com", "www.facebook.com")
GOOGLE_HOSTS = (
    "www.googleapis.com",
    "youtubeanalytics.googleapis.com",
    "oauth2.googleapis.com",
    "accounts.google.com",
    "suggestqueries.google.com",
)


def family(host: str) -> str:
    if host in META_HOSTS:
        return "meta"
    if host in GOOGLE_HOSTS:
        return "google"
    if "pinterest" in host:
        return "pinterest"
    if "tiktok" in host:
        return "tiktok"
    return "plain"


def log_id() -> str:
    return secrets.token_hex(16).upper()


def meta_error(
    message: str,
    code: int,
    status: int = 400,
    subcode: int | None = None,
    type_: str = "OAuthException",
    transient: bool | None = None,
) -> JSONResponse:
    body: dict = {"message": message, "type": type_, "code": code}
    if subcode is not None:
        body["error_subcode"] = subcode
    if transient is not None:
        body["is_transient"] = transient
    body["fbtrace_id"] = "A" + secrets.token_urlsafe(16)
    return JSONResponse(
        {"error": body},
        status_code=status,
        headers={"WWW-Authenticate": 'OAuth "Facebook Platform" "invalid_token"'} if code == 190 else None,
    )


def meta_token_error(problem: str) -> JSONResponse:
    """Graph API code 190 with the subcode that says why (463 expired, 460 revoked)."""
    if problem == "expired":
        return meta_error(
            "Error validating access token: Session has expired. The current time is later than "
            "the token's expiry time.",
            190,
            subcode=463,
        )
    if problem in ("revoked", "rotated"):
        return meta_error(
            "Error validating access token: The session has been invalidated because the user "
            "changed their password or Facebook has changed the session for security reasons.",
            190,
            subcode=460,
        )
    return meta_error("Invalid OAuth access token - Cannot parse access token", 190)


def google_api_error(
    status: int, message: str, reason: str, status_text: str, domain: str = "global", headers: dict | None = None
) -> JSONResponse:
    return JSONResponse(
        {
            "error": {
                "code": status,
                "message": message,
                "errors": [{"message": message, "domain": domain, "reason": reason}],
                "status": status_text,
            }
        },
        status_code=status,
        headers=headers,
    )


def google_token_error(problem: str) -> JSONResponse:
    return google_api_error(
        401,
        "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or "
        "other valid authentication credential. See https://developers.google.com/identity/sign-in/web/"
        "devconsole-project.",
        "authError",
        "UNAUTHENTICATED",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/", error="invalid_token"'},
    )


def google_bad_request(message: str, reason: str = "badRequest") -> JSONResponse:
    return google_api_error(400, message, reason, "INVALID_ARGUMENT")


def oauth_error(error: str, description: str, status: int = 400, with_log_id: bool = False) -> JSONResponse:
    """RFC 6749 token-endpoint error (Google; TikTok adds log_id)."""
    body = {"error": error, "error_description": description}
    if with_log_id:
        body["log_id"] = log_id()
    return JSONResponse(body, status_code=status)


def pinterest_error(status: int, code: int, message: str) -> JSONResponse:
    return JSONResponse({"code": code, "message": message}, status_code=status)


def pinterest_token_error(problem: str) -> JSONResponse:
    return pinterest_error(401, 2, "Authentication failed.")


def tiktok_error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse(
        {"data": {}, "error": {"code": code, "message": message, "log_id": log_id()}}, status_code=status
    )


def tiktok_token_error(problem: str) -> JSONResponse:
    return tiktok_error(401, "access_token_invalid", "The access token is invalid or not found in the request.")


def token_error(host: str, problem: str) -> JSONResponse:
    """The data-endpoint answer to a bad access token on this host."""
    return {
        "meta": meta_token_error,
        "google": google_token_error,
        "pinterest": pinterest_token_error,
        "tiktok": tiktok_token_error,
    }.get(family(host), google_token_error)(problem)


def throttled(host: str, retry_after: int | None, status: int | None = None) -> JSONResponse:
    """Rate-limit answer in the host's real shape (Meta: 400/403 with code 4/17/32/613)."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    fam = family(host)
    if fam == "meta":
        code = {400: 4, 403: 4, 17: 17, 32: 32, 613: 613}.get(status or 400, 4)
        messages = {
            4: "(#4) Application request limit reached",
            17: "(#17) User request limit reached",
            32: "(#32) Page request limit reached",
            613: "(#613) Calls to this api have exceeded the rate limit.",
        }
        resp = meta_error(messages[code], code, status=403 if status == 403 else 400, transient=True)
        if headers:
            resp.headers.update(headers)
        return resp
    if fam == "google":
        if status == 403:
            return google_api_error(
                403,
                "The request cannot be completed because you have exceeded your "
                '<a href="/youtube/v3/getting-started#quota">quota</a>.',
                "quotaExceeded",
                "PERMISSION_DENIED",
                domain="youtube.quota",
                headers=headers,
            )
        return google_api_error(
            429,
            "Resource has been exhausted (e.g. check quota).",
            "rateLimitExceeded",
            "RESOURCE_EXHAUSTED",
            headers=headers,
        )
    if fam == "pinterest":
        resp = pinterest_error(429, 8, "You have exceeded your rate limit. Try again later.")
    elif fam == "tiktok":
        resp = tiktok_error(429, "rate_limit_exceeded", "API rate limit exceeded, please retry later.")
    else:
        resp = JSONResponse({"error": "rate limited"}, status_code=429)
    if headers:
        resp.headers.update(headers)
    return resp


def server_error(host: str, status: int) -> JSONResponse:
    fam = family(host)
    if fam == "meta":
        return meta_error(
            "An unexpected error has occurred. Please retry your request later.", 2, status=status, transient=True
        )
    if fam == "google":
        texts = {500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE"}
        return google_api_error(
            status, "The service is currently unavailable.", "backendError", texts.get(status, "UNAVAILABLE")
        )
    if fam == "pinterest":
        return pinterest_error(status, 3, "Service temporarily unavailable.")
    if fam == "tiktok":
        return tiktok_error(status, "internal_error", "Something went wrong. Please try again later.")
    return JSONResponse({"error": "unavailable"}, status_code=status)
