"""GET /api/creators/trending: tracked creators in the caller's niche, fastest growing first."""
import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint
from shared.models.trends import CreatorsQuery, CreatorsResponse
from shared.services.trend_queries import trending_creators


@functions_framework.http
@endpoint(auth="user", methods=("GET",), query=CreatorsQuery, response=CreatorsResponse)
def handler(ctx: RequestContext) -> CreatorsResponse:
    with user_transaction(ctx.user) as conn:
        return trending_creators(conn, ctx.query)
