"""GET /api/analytics/overview: the caller's cross-platform summary against the previous period."""
import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint
from shared.models.overview import OverviewQuery, OverviewResponse
from shared.services.overview import overview


@functions_framework.http
@endpoint(auth="user", methods=("GET",), query=OverviewQuery, response=OverviewResponse)
def handler(ctx: RequestContext) -> OverviewResponse:
    with user_transaction(ctx.user) as conn:
        return overview(conn, ctx.query)
