"""GET /api/trends/keywords: rising keywords of the caller's niche with volume and a sparkline."""
import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint
from shared.models.trends import KeywordsQuery, KeywordsResponse
from shared.services.trend_queries import rising_keywords


@functions_framework.http
@endpoint(auth="user", methods=("GET",), query=KeywordsQuery, response=KeywordsResponse)
def handler(ctx: RequestContext) -> KeywordsResponse:
    with user_transaction(ctx.user) as conn:
        return rising_keywords(conn, ctx.query)
