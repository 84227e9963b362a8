"""POST /api/auth/refresh (hourly cron): refresh tokens that expire before the next run."""

from typing import Any

import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(auth="cron", methods=("POST",), response="shared.models.auth:RefreshRunResponse")
def handler(ctx: RequestContext) -> Any:
    from shared.models.auth import RefreshRunResponse
    from shared.services.token_refresh import refresh_due_tokens

    result = refresh_due_tokens(ctx.settings)
    return RefreshRunResponse(run_id=result.run_id, errors=result.errors, **result.stats())
