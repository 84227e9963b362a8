"""GET /api/opportunities: content gaps in the caller's niche, demand against supply, with ideas."""
import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint
from shared.models.trends import OpportunitiesQuery, OpportunitiesResponse
from shared.services.opportunity_gaps import opportunities


@functions_framework.http
@endpoint(auth="user", methods=("GET",), query=OpportunitiesQuery, response=OpportunitiesResponse)
def handler(ctx: RequestContext) -> OpportunitiesResponse:
    with user_transaction(ctx.user) as conn:
        return opportunities(conn, ctx.query)
