"""POST /api/auth/refresh (hourly cron): refresh tokens that expire before the next run."""
import functions_framework

from shared.http import RequestContext, endpoint
from shared.models.auth import RefreshRunResponse
from shared.services.token_refresh import refresh_due_tokens


@functions_framework.http
@endpoint(auth="cron", methods=("POST",), response=RefreshRunResponse)
def handler(ctx: RequestContext) -> RefreshRunResponse:
    result = refresh_due_tokens(ctx.settings)
    return RefreshRunResponse(run_id=result.run_id, errors=result.errors, **result.stats())
