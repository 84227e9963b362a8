"""POST /api/cron/fetch-analytics: fetch due connections within the time budget, fan out the rest."""

from typing import Any

import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="cron",
    methods=("POST",),
    body="shared.models.ingest:FetchRunRequest",
    response="shared.models.ingest:FetchRunResult",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.fetch_run import run_fetch

    return run_fetch(ctx.settings, ctx.body)
