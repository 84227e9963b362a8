"""POST /api/tasks/fetch-connection: the Cloud Tasks worker that fetches one connection."""
import functions_framework

from shared.http import RequestContext, endpoint
from shared.models.ingest import FetchTaskRequest, FetchTaskResult


@functions_framework.http
@endpoint(auth="cron", methods=("POST",), body=FetchTaskRequest, response=FetchTaskResult)
def handler(ctx: RequestContext) -> FetchTaskResult:
    from shared.services.fetch_run import run_fetch_task

    return run_fetch_task(ctx.settings, ctx.body)
