"""POST /api/cron/detect-trends (every 6 h): observe trend sources, recompute trends, re-check creators."""

from typing import Any

import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(auth="cron", methods=("POST",), response="shared.models.trends:DetectRunResponse")
def handler(ctx: RequestContext) -> Any:
    from shared.models.trends import DetectRunResponse
    from shared.services.trend_detection import run_detection

    return DetectRunResponse(**run_detection(ctx.settings))
