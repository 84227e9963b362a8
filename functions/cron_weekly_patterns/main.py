"""POST /api/cron/weekly-patterns (weekly cron): re-run pattern detection for creators with new posts."""

from typing import Any

import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(auth="cron", methods=("POST",), response="shared.models.ai:WeeklyPatternsResponse")
def handler(ctx: RequestContext) -> Any:
    from shared.models.ai import WeeklyPatternsResponse
    from shared.services.weekly_patterns import run_weekly_patterns

    return WeeklyPatternsResponse(**run_weekly_patterns().as_dict())
