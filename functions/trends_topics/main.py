"""GET /api/trends/topics: the caller's niche's current topics, hottest first."""

from typing import Any

import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("GET",),
    query="shared.models.trends:TopicsQuery",
    response="shared.models.trends:TopicsResponse",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.trend_queries import trending_topics

    with user_transaction(ctx.user) as conn:
        return trending_topics(conn, ctx.query, ctx.user.user_id)
