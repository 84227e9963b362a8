"""GET /api/trends/topics: the caller's niche's current topics, hottest first."""
import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint
from shared.models.trends import TopicsQuery, TopicsResponse
from shared.services.trend_queries import trending_topics


@functions_framework.http
@endpoint(auth="user", methods=("GET",), query=TopicsQuery, response=TopicsResponse)
def handler(ctx: RequestContext) -> TopicsResponse:
    with user_transaction(ctx.user) as conn:
        return trending_topics(conn, ctx.query)
