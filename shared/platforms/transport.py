"""One HTTP client per platform: timeouts, retries with full-jitter backoff, rate and concurrency limits,
and a small error hierarchy whose messages never carry a token or a query string.

Create a `PlatformClient` per ingest run (inside the running event loop), never at import:
    async with instagram.open_client() as client: ...
Each platform module passes its own `classify` function, which turns a response into a
`PlatformError` (or None when the response is fine); the status-based default covers the rest.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import email.utils
import hashlib
import json
import random
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from shared import clock
from shared.logging import get_logger, redact, register_secret

if TYPE_CHECKING:
    import httpx

log = get_logger(__name__)

# Query parameters that carry credentials on some platform (Instagram's access_token, Google's revoke
# token, Instagram's client_secret): stripped from archived bodies and never put in messages.
SECRET_PARAMS = frozenset(
    {"access_token", "client_secret", "token", "refresh_token", "code", "code_verifier", "fb_exchange_token"}
)


# ---------------------------------------------------------------- errors


class PlatformError(Exception):
    """A platform call failed; `kind` says what the caller should do, `retryable` whether retrying helps."""

    kind = "upstream"
    retryable = False

    def __init__(
        self,
        platform: str,
        message: str,
        *,
        status: int | None = None,
        code: Any = None,
        retry_after: float | None = None,
        retryable: bool | None = None,
    ):
        super().__init__(redact(f"{platform}: {message}"))
        self.platform = platform
        self.status = status
        self.code = code
        self.retry_after = retry_after
        if retryable is not None:
            self.retryable = retryable


class RateLimited(PlatformError):
    """Throttled by the platform; `retry_after` (seconds) says when to come back, when known.

    Distinct from shared.errors.RateLimited (our own API's 429): the ingest service defers the job.
    """

    kind, retryable = "rate_limited", True


class TokenExpired(PlatformError):
    """The access token expired or was rejected in a way a refresh can fix."""

    kind = "token_expired"


class TokenRevoked(PlatformError):
    """The grant is gone (revoked, password changed, refresh token dead): the user must reconnect."""

    kind = "token_revoked"


class PermissionMissing(PlatformError):
    """The token lacks a scope or permission for this call: the user must re-consent."""

    kind = "permission_missing"


class MalformedResponse(PlatformError):
    """The body was not the JSON we expected (truncated, HTML error page, wrong shape)."""

    kind, retryable = "malformed", True


class UpstreamError(PlatformError):
    """5xx, timeout or connection failure."""

    kind, retryable = "upstream", True


class RequestRejected(PlatformError):
    """A 4xx that is neither auth nor throttling (bad parameter, unknown object, used code)."""

    kind = "rejected"


Classifier = Callable[[int, Any, "httpx.Headers"], PlatformError | None]


def classify_status(platform: str, status: int, message: str = "", headers: Any = None) -> PlatformError | None:
    """The status-code fallback every platform shares."""
    if status < 400:
        return None
    detail = f"HTTP {status}" + (f": {message}" if message else "")
    if status == 429:
        return RateLimited(platform, detail, status=status, retry_after=retry_after_seconds(headers))
    if status == 401:
        return TokenExpired(platform, detail, status=status)
    if status == 403:
        return PermissionMissing(platform, detail, status=status)
    if status >= 500:
        return UpstreamError(platform, detail, status=status, retry_after=retry_after_seconds(headers))
    return RequestRejected(platform, detail, status=status)


def retry_after_seconds(headers: Any, *, now: dt.datetime | None = None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or HTTP date); None when absent or unparsable."""
    value = headers.get("retry-after") if headers is not None else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.timezone.utc)
    now = now or dt.datetime.now(dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


# ---------------------------------------------------------------- limits


@dataclass(frozen=True)
class PlatformLimits:
    """How hard we may hit one platform, and how patiently we retry."""

    requests_per_second: float
    burst: int
    concurrency: int
    max_attempts: int = 5
    backoff_base_s: float = 0.5
    backoff_cap_s: float = 30.0
    max_retry_wait_s: float = 60.0  # a longer Retry-After raises RateLimited so the job is deferred
    malformed_retries: int = 2
    connect_timeout_s: float = 5.0
    read_timeout_s: float = 20.0


# A per-process ceiling and politeness, not the platforms' limits: those are per app or per user
# (shared/platforms/quotas.py) and are enforced across processes by the quota ledger (app-wide: TikTok's
# 600/min per endpoint, YouTube's 10,000 units/day) and per token by UserWindows (Pinterest). Before,
# these buckets stood for the platforms' limits (Instagram 2 req/s, Pinterest 1 req/s) while the real
# ones are per user, and each fanned-out worker opened its own bucket, so nothing bounded the app.
DEFAULT_LIMITS: dict[str, PlatformLimits] = {
    "instagram": PlatformLimits(requests_per_second=50.0, burst=20, concurrency=8),
    "youtube": PlatformLimits(requests_per_second=50.0, burst=20, concurrency=8),
    "pinterest": PlatformLimits(requests_per_second=50.0, burst=20, concurrency=8),
    "tiktok": PlatformLimits(requests_per_second=50.0, burst=20, concurrency=8),
}


class TokenBucket:
    """Async token bucket: `rate` requests per second, up to `burst` at once."""

    def __init__(
        self,
        rate: float,
        burst: int,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.rate, self.capacity = rate, float(max(1, burst))
        self._tokens, self._clock, self._sleep = self.capacity, clock, sleep
        self._updated = clock()
        self._lock: asyncio.Lock | None = None

    async def take(self) -> None:
        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            while True:
                now = self._clock()
                self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
                self._updated = now
                if self._tokens >= 1:
                    self._tokens -= 1
                    return
                await self._sleep((1 - self._tokens) / self.rate)


Admission = Callable[[str, str, str], Awaitable[None]]  # (platform, real host, path): waits, or raises


class UserWindows:
    """Per-token sliding windows for a platform's per-user limits (shared.platforms.quotas.USER_QUOTAS)."""

    def __init__(
        self,
        quotas: Any,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ):
        self.quotas, self._clock, self._sleep = tuple(quotas), clock, sleep
        self._events: dict[tuple[str, str], list[float]] = {}

    async def take(self, token: str, path: str) -> None:
        key = hashlib.sha256(token.encode()).hexdigest()[:16]  # never keep the token itself
        for quota in self.quotas:
            if not quota.matches(path):
                continue
            events = self._events.setdefault((key, quota.name), [])
            while True:
                now = self._clock()
                events[:] = [t for t in events if t > now - quota.window_s]
                if len(events) < quota.limit:
                    events.append(now)
                    break
                await self._sleep(events[0] + quota.window_s - now)


# ---------------------------------------------------------------- client


class PlatformClient:
    """An httpx.AsyncClient for one platform with its limits, retry policy and error classifier."""

    def __init__(
        self,
        platform: str,
        *,
        settings: Any = None,
        classify: Classifier | None = None,
        limits: PlatformLimits | None = None,
        transport: Any = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        admission: Admission | None = None,
    ):
        from shared.platforms.quotas import USER_QUOTAS

        self.platform = platform
        self.settings = settings
        self.limits = limits or DEFAULT_LIMITS.get(platform) or PlatformLimits(2.0, 5, 2)
        self._classify = classify
        self._transport = transport
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._http: httpx.AsyncClient | None = None
        self._bucket = TokenBucket(self.limits.requests_per_second, self.limits.burst, sleep=sleep)
        self._semaphore = asyncio.Semaphore(self.limits.concurrency)
        # App-wide limits go through `admission` (the Postgres ledger during a fetch); per-user ones here.
        self._admission = admission
        self._user_windows = UserWindows(USER_QUOTAS.get(platform, ()), sleep=sleep)
        self._shared: dict[tuple[str, str, str], asyncio.Task] = {}

    async def __aenter__(self) -> PlatformClient:
        import httpx

        timeout = httpx.Timeout(self.limits.read_timeout_s, connect=self.limits.connect_timeout_s)
        # Keep-alive room for every concurrent request: past httpx's default of 20 idle connections each
        # burst would close and reopen sockets (a TCP handshake per request on both ends).
        pool = httpx.Limits(
            max_connections=max(100, self.limits.concurrency),
            max_keepalive_connections=max(20, self.limits.concurrency),
        )
        self._http = httpx.AsyncClient(timeout=timeout, transport=self._transport, follow_redirects=False, limits=pool)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
            self._http = None

    def host_url(self, host: str) -> str:
        """Base URL of a real platform host (the sandbox prefix when settings point there)."""
        return self.settings.host_url(host) if self.settings is not None else f"https://{host}"

    async def get(self, url: str, **kw: Any) -> Any:
        return await self.request("GET", url, **kw)

    async def get_shared(self, url: str, *, params: dict[str, Any], token: str, **kw: Any) -> Any:
        """A GET asked once per token for the client's life (a run): a connection's profile, which its
        snapshot windows and its posts all need, costs one request, not one each."""
        key = (url, repr(sorted(params.items())), hashlib.sha256(token.encode()).hexdigest())
        task = self._shared.get(key)
        if task is None or (task.done() and (task.cancelled() or task.exception() is not None)):
            task = self._shared[key] = asyncio.ensure_future(self.get(url, params=params, token=token, **kw))
        return await asyncio.shield(task)

    async def post(self, url: str, **kw: Any) -> Any:
        return await self.request("POST", url, **kw)

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        data: dict[str, Any] | None = None,
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        auth: tuple[str, str] | None = None,
        token: str | None = None,
        token_param: str | None = None,
    ) -> Any:
        """Send with retries; return the parsed JSON body (`{}` for an empty 2xx) or raise PlatformError.

        The token goes in the Authorization header, or in the query as `token_param` (Instagram).
        """
        if self._http is None:
            raise RuntimeError("PlatformClient must be used as 'async with'")
        params, headers = dict(params or {}), dict(headers or {})
        if token:
            register_secret(token)
            if token_param:
                params[token_param] = token
            else:
                headers["Authorization"] = f"Bearer {token}"
        for secret in (*(auth or ()), *(v for k, v in {**params, **(data or {})}.items() if k in SECRET_PARAMS)):
            register_secret(str(secret))
        where = describe(method, url)
        attempt = malformed = 0
        while True:
            attempt += 1
            try:
                return await self._attempt(
                    method,
                    url,
                    where,
                    params=params,
                    data=data,
                    json_body=json_body,
                    headers=headers,
                    auth=auth,
                    token=token,
                )
            except PlatformError as error:
                malformed += isinstance(error, MalformedResponse)
                if (
                    not error.retryable
                    or attempt >= self.limits.max_attempts
                    or malformed > self.limits.malformed_retries
                ):
                    raise
                wait = self.backoff(attempt) if error.retry_after is None else error.retry_after
                if wait > self.limits.max_retry_wait_s:
                    if isinstance(error, RateLimited):
                        raise
                    wait = self.limits.max_retry_wait_s
                log.warning(
                    "platform call retried",
                    extra={
                        "fields": {
                            "platform": self.platform,
                            "endpoint": where,
                            "attempt": attempt,
                            "kind": error.kind,
                            "status": error.status,
                            "wait_s": round(wait, 3),
                        }
                    },
                )
                await self._sleep(wait)

    def target(self, url: str) -> tuple[str, str]:
        """(real host, path) of a URL, also when the settings point a host at the sandbox's prefix."""
        hosts = getattr(self.settings, "platform_hosts", None) or {}
        for host, base in hosts.items():
            base = base.rstrip("/")
            if url.startswith(base + "/"):
                return host, urlsplit(url[len(base) :]).path
        parts = urlsplit(url)
        return parts.hostname or "", parts.path

    async def _admit(self, url: str, token: str | None) -> None:
        """Wait for the platform's limits: per-user ones here, app-wide ones through the admission hook."""
        host, path = self.target(url)
        if token:
            await self._user_windows.take(token, path)
        if self._admission is not None:
            await self._admission(self.platform, host, path)

    def backoff(self, attempt: int) -> float:
        """Full jitter: uniform(0, min(cap, base * 2^(attempt-1)))."""
        ceiling = min(self.limits.backoff_cap_s, self.limits.backoff_base_s * 2 ** (attempt - 1))
        return self._rng.uniform(0, ceiling)

    async def _attempt(self, method: str, url: str, where: str, **kw: Any) -> Any:
        import httpx

        await self._bucket.take()
        async with self._semaphore:
            # Admitted only once it can be sent: a request admitted while queued for a slot would reach the
            # platform later than the ledger counted it, and a window could then hold more than the limit.
            await self._admit(url, kw.pop("token"))
            try:
                assert self._http is not None
                response = await self._http.request(
                    method,
                    url,
                    params=kw["params"],
                    data=kw["data"],
                    json=kw["json_body"],
                    headers=kw["headers"],
                    auth=kw["auth"],
                )
            except httpx.TimeoutException:
                raise UpstreamError(self.platform, f"{where} timed out") from None
            except httpx.TransportError as exc:
                raise UpstreamError(self.platform, f"{where} connection failed ({type(exc).__name__})") from None
        body, parse_failed = _parse_json(response.content)
        error = self._classify(response.status_code, body, response.headers) if self._classify else None
        if error is None and response.status_code >= 400:
            error = classify_status(self.platform, response.status_code, "", response.headers)
        if error is not None:
            raise error
        if parse_failed:
            raise MalformedResponse(
                self.platform, f"{where} returned a body that is not JSON", status=response.status_code
            )
        return body


def _parse_json(content: bytes) -> tuple[Any, bool]:
    if not content.strip():
        return {}, False
    try:
        return json.loads(content), False
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None, True


def describe(method: str, url: str) -> str:
    """`GET host/path` without the query string, which may hold a token."""
    parts = urlsplit(url)
    return f"{method} {parts.netloc}{parts.path}"


def strip_secret_params(url: str) -> str:
    """A URL with credential query parameters removed (Instagram paging links embed access_token)."""
    parts = urlsplit(url)
    if not parts.query:
        return url
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in SECRET_PARAMS]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), parts.fragment))


def scrub_body(body: Any) -> Any:
    """A copy of a JSON body with credential parameters removed from every URL-looking string."""
    if isinstance(body, dict):
        return {k: scrub_body(v) for k, v in body.items()}
    if isinstance(body, list):
        return [scrub_body(v) for v in body]
    if isinstance(body, str) and "://" in body and "?" in body:
        return strip_secret_params(body)
    return body


def query_params(url: str) -> dict[str, str]:
    """The query parameters of a URL (to follow a paging link with our own client)."""
    return dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))


# ---------------------------------------------------------------- OAuth wire helpers


def new_code_verifier() -> str:
    """A PKCE code verifier: 64 URL-safe characters (RFC 7636 allows 43-128)."""
    return secrets.token_urlsafe(48)


def s256_challenge(verifier: str) -> str:
    """RFC 7636 S256: base64url(sha256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


def expires_at(seconds: Any, *, now: dt.datetime | None = None) -> dt.datetime | None:
    """Absolute expiry from an `expires_in`; None when the platform did not say."""
    try:
        value = float(seconds)
    except (TypeError, ValueError):
        return None
    return (now or clock.now()) + dt.timedelta(seconds=value)


def error_text(body: Any, *keys: str) -> str:
    """A short, redacted message from an error body (first present key), for exception messages."""
    if not isinstance(body, dict):
        return ""
    for key in keys:
        value = body.get(key)
        if isinstance(value, str) and value:
            return redact(value)[:200]
    return ""


def client_credentials(settings: Any, platform: str) -> tuple[str, str]:
    """(client_id, client_secret) of a platform app, or ConfigurationError naming the platform only."""
    from shared.errors import ConfigurationError

    creds = settings.platform_credentials.get(platform)
    if creds is None:
        raise ConfigurationError(f"no OAuth client credentials configured for {platform}")
    secret = creds.client_secret.get_secret_value()
    register_secret(secret)
    return creds.client_id, secret
