"""GET /api/creators/trending: tracked creators in the caller's niche, fastest growing first."""

from typing import Any

import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("GET",),
    query="shared.models.trends:CreatorsQuery",
    response="shared.models.trends:CreatorsResponse",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.trend_queries import trending_creators

    with user_transaction(ctx.user) as conn:
        return trending_creators(conn, ctx.query, ctx.user.user_id)
