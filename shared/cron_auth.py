"""Who may call a cron: Cloud Scheduler's Google-signed OIDC token, or the local shared secret."""

from __future__ import annotations

import hmac
import threading
from typing import Any

from shared.auth import bearer_token
from shared.config import Settings
from shared.errors import Forbidden, Unauthorized

CRON_SECRET_HEADER = "X-Cron-Secret"
_GOOGLE_ISSUERS = ("accounts.google.com", "https://accounts.google.com")
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"  # what verify_oauth2_token uses
_session_lock = threading.Lock()
_google_request: Any = None


def _cached_google_request() -> Any:
    # A cached session keeps Google's certs between calls instead of fetching them every request.
    global _google_request
    with _session_lock:
        if _google_request is None:
            import google.auth.transport.requests
            import requests

            _google_request = google.auth.transport.requests.Request(session=requests.Session())
        return _google_request


def verify_cron_request(headers: Any, settings: Settings) -> str:
    """Return the caller's identity if it may run crons; raise Unauthorized/Forbidden otherwise."""
    if settings.environment != "production" and settings.cron_secret is not None:
        supplied = headers.get(CRON_SECRET_HEADER)
        if supplied is not None:
            if hmac.compare_digest(supplied.encode(), settings.cron_secret.get_secret_value().encode()):
                return "local-cron"
            raise Unauthorized("bad cron secret")
    token = bearer_token(headers.get(settings.caller_auth_header))
    if not settings.cron_audience or not settings.cron_service_account:
        raise Unauthorized("cron authentication is not configured")
    from google.auth import exceptions as google_exceptions
    from google.oauth2 import id_token

    certs = settings.cron_oidc_certs_url or GOOGLE_CERTS_URL
    try:
        claims = id_token.verify_token(
            token, _cached_google_request(), audience=settings.cron_audience, certs_url=certs
        )
    except (ValueError, google_exceptions.GoogleAuthError):
        # A Supabase user JWT lands here too: it is not Google-signed, so it never opens a cron.
        raise Unauthorized("cron token not accepted") from None
    if claims.get("iss") not in _GOOGLE_ISSUERS:
        raise Unauthorized("cron token issuer not accepted")
    if claims.get("email") != settings.cron_service_account or not claims.get("email_verified"):
        raise Forbidden("caller is not the scheduler service account")
    return str(claims["email"])
