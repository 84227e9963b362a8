"""POST /api/tasks/fetch-connection: the Cloud Tasks worker that fetches one connection."""

from typing import Any

import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="cron",
    methods=("POST",),
    body="shared.models.ingest:FetchTaskRequest",
    response="shared.models.ingest:FetchTaskResult",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.fetch_run import run_fetch_task

    return run_fetch_task(ctx.settings, ctx.body)
