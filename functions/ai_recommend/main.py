"""POST /api/ai/recommend: content concepts for the caller, scored by her virality model (idempotent)."""

from typing import Any

import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user", methods=("POST",), body="shared.models.ai:RecommendBody", response="shared.models.ai:RecommendResponse"
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.recommend import recommend

    return recommend(ctx.settings, ctx.user, ctx.body, ctx.request.headers.get("Idempotency-Key"))
