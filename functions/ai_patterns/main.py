"""POST /api/ai/patterns: run viral pattern detection over the caller's posts."""
import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint
from shared.models.ai import PatternsBody, PatternsResponse
from shared.services.patterns import patterns_response, run_pattern_detection


@functions_framework.http
@endpoint(auth="user", methods=("POST",), body=PatternsBody, response=PatternsResponse)
def handler(ctx: RequestContext) -> PatternsResponse:
    with user_transaction(ctx.user) as conn:
        run = run_pattern_detection(conn, ctx.user.user_id, window_days=ctx.body.window_days,
                                    min_posts_per_level=ctx.body.min_posts_per_level)
    return patterns_response(run)
