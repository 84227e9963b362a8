"""GET /api/analytics/growth: the caller's follower series per platform."""
import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint
from shared.models.growth import GrowthQuery, GrowthResponse
from shared.services.growth import follower_growth


@functions_framework.http
@endpoint(auth="user", methods=("GET",), query=GrowthQuery, response=GrowthResponse)
def handler(ctx: RequestContext) -> GrowthResponse:
    with user_transaction(ctx.user) as conn:
        return follower_growth(conn, ctx.query)
