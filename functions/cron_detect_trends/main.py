"""POST /api/cron/detect-trends (every 6 h): observe the trend sources, recompute trends, re-check creators."""
import functions_framework

from shared.http import RequestContext, endpoint
from shared.models.trends import DetectRunResponse
from shared.services.trend_detection import run_detection


@functions_framework.http
@endpoint(auth="cron", methods=("POST",), response=DetectRunResponse)
def handler(ctx: RequestContext) -> DetectRunResponse:
    return DetectRunResponse(**run_detection(ctx.settings))
