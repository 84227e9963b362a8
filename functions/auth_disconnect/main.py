"""DELETE /api/auth/{platform}: revoke at the platform where offered, then delete the connection."""
import functions_framework

from shared.http import RequestContext, endpoint
from shared.models.auth import DisconnectResponse
from shared.services.connect import disconnect


@functions_framework.http
@endpoint(auth="user", methods=("DELETE",), response=DisconnectResponse, path="/api/auth/{platform}")
def handler(ctx: RequestContext) -> DisconnectResponse:
    return disconnect(ctx.user, ctx.path_params["platform"], ctx.settings)
