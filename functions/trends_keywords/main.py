"""GET /api/trends/keywords: rising keywords of the caller's niche with volume and a sparkline."""

from typing import Any

import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("GET",),
    query="shared.models.trends:KeywordsQuery",
    response="shared.models.trends:KeywordsResponse",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.trend_queries import rising_keywords

    with user_transaction(ctx.user) as conn:
        return rising_keywords(conn, ctx.query, ctx.user.user_id)
