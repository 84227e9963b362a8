"""POST /api/ai/patterns: run viral pattern detection over the caller's posts."""

from typing import Any

import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user", methods=("POST",), body="shared.models.ai:PatternsBody", response="shared.models.ai:PatternsResponse"
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.patterns import patterns_response, run_pattern_detection

    with user_transaction(ctx.user) as conn:
        run = run_pattern_detection(
            conn,
            ctx.user.user_id,
            window_days=ctx.body.window_days,
            min_posts_per_level=ctx.body.min_posts_per_level,
            fdr=ctx.body.fdr,
        )
    return patterns_response(run)
