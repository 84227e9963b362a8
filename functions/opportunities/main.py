"""GET /api/opportunities: content gaps in the caller's niche, demand against supply, with ideas."""

from typing import Any

import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("GET",),
    query="shared.models.trends:OpportunitiesQuery",
    response="shared.models.trends:OpportunitiesResponse",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.opportunity_gaps import opportunities

    with user_transaction(ctx.user) as conn:
        return opportunities(conn, ctx.query, ctx.user.user_id)
