"""Platform clients and normalizers: one module per platform, the same surface on each.

from shared.platforms import get_platform
ig = get_platform("instagram")
async with ig.open_client(settings) as client:
    posts, raw_pages = await ig.fetch_posts(client, access_token, since=None)
ig.normalize_posts(raw_pages) == posts   # re-normalize from the archive at any time
"""

from shared.platforms.models import AccountSnapshot, Platform, PostRecord, Profile, RawPage, TokenSet
from shared.platforms.registry import PLATFORMS, get_platform
from shared.platforms.transport import (
    MalformedResponse,
    PermissionMissing,
    PlatformClient,
    PlatformError,
    PlatformLimits,
    RateLimited,
    RequestRejected,
    TokenExpired,
    TokenRevoked,
    UpstreamError,
)

__all__ = [
    "PLATFORMS",
    "AccountSnapshot",
    "MalformedResponse",
    "PermissionMissing",
    "Platform",
    "PlatformClient",
    "PlatformError",
    "PlatformLimits",
    "PostRecord",
    "Profile",
    "RateLimited",
    "RawPage",
    "RequestRejected",
    "TokenExpired",
    "TokenRevoked",
    "TokenSet",
    "UpstreamError",
    "get_platform",
]
