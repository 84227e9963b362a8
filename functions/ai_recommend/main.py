"""POST /api/ai/recommend: content concepts for the caller, scored by her virality model (idempotent)."""
import functions_framework

from shared.http import RequestContext, endpoint
from shared.models.ai import RecommendBody, RecommendResponse
from shared.services.recommend import recommend


@functions_framework.http
@endpoint(auth="user", methods=("POST",), body=RecommendBody, response=RecommendResponse)
def handler(ctx: RequestContext) -> RecommendResponse:
    return recommend(ctx.settings, ctx.user, ctx.body, ctx.request.headers.get("Idempotency-Key"))
