"""GET /api/analytics/growth: the caller's follower series per platform."""

from typing import Any

import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("GET",),
    query="shared.models.growth:GrowthQuery",
    response="shared.models.growth:GrowthResponse",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.growth import follower_growth

    with user_transaction(ctx.user) as conn:
        return follower_growth(conn, ctx.query)
