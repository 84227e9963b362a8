"""GET /api/ai/recommendations: her briefs with status (open, posted, measured), link and outcome, keyset-paged."""

from typing import Any

import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("GET",),
    query="shared.models.outcomes:RecommendationsQuery",
    response="shared.models.outcomes:RecommendationsResponse",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.recommendations import list_recommendations

    with user_transaction(ctx.user) as conn:
        return list_recommendations(conn, ctx.user.user_id, ctx.query)
