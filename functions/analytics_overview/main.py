"""GET /api/analytics/overview: the caller's cross-platform summary against the previous period."""

from typing import Any

import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("GET",),
    query="shared.models.overview:OverviewQuery",
    response="shared.models.overview:OverviewResponse",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.overview import overview

    with user_transaction(ctx.user) as conn:
        return overview(conn, ctx.query)
