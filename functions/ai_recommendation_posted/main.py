"""POST /api/ai/recommendations/{id}/posted: the post that followed a brief (replaces any earlier link)."""

from typing import Any

import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("POST",),
    body="shared.models.outcomes:PostedBody",
    response="shared.models.outcomes:RecommendationItem",
    path="/api/ai/recommendations/{id}/posted",
    path_methods=("POST", "DELETE"),
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.recommendations import link_post

    return link_post(ctx.user, ctx.path_params["id"], ctx.body)
