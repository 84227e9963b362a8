"""GET /api/analytics/best-times: when to post, per platform, with intervals and her habit to beat."""

from typing import Any

import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("GET",),
    query="shared.models.best_times:BestTimesQuery",
    response="shared.models.best_times:BestTimesResponse",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.best_times import best_times

    with user_transaction(ctx.user) as conn:
        return best_times(conn, ctx.user.user_id, ctx.query.platform)
