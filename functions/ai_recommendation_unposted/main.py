"""DELETE /api/ai/recommendations/{id}/posted: remove a brief's link (and outcome); it is not matched again."""

from typing import Any

import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("DELETE",),
    response="shared.models.outcomes:RecommendationItem",
    path="/api/ai/recommendations/{id}/posted",
    path_methods=("POST", "DELETE"),
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.recommendations import unlink_post

    return unlink_post(ctx.user, ctx.path_params["id"])
