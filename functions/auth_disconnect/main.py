"""DELETE /api/auth/{platform}: revoke at the platform where offered, then delete the connection."""

from typing import Any

import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("DELETE",),
    response="shared.models.auth:DisconnectResponse",
    path="/api/auth/{platform}",
    path_methods=("GET", "DELETE"),
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.connect import disconnect

    return disconnect(ctx.user, ctx.path_params["platform"], ctx.settings)
