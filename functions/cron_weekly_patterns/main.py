"""POST /api/cron/weekly-patterns (weekly cron): re-run pattern detection for creators with new posts."""
import functions_framework

from shared.http import RequestContext, endpoint
from shared.models.ai import WeeklyPatternsResponse
from shared.services.weekly_patterns import run_weekly_patterns


@functions_framework.http
@endpoint(auth="cron", methods=("POST",), response=WeeklyPatternsResponse)
def handler(ctx: RequestContext) -> WeeklyPatternsResponse:
    return WeeklyPatternsResponse(**run_weekly_patterns().as_dict())
