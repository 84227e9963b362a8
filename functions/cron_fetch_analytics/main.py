"""POST /api/cron/fetch-analytics: fetch due connections within the time budget, fan out the rest."""
import functions_framework

from shared.http import RequestContext, endpoint
from shared.models.ingest import FetchRunRequest, FetchRunResult


@functions_framework.http
@endpoint(auth="cron", methods=("POST",), body=FetchRunRequest, response=FetchRunResult)
def handler(ctx: RequestContext) -> FetchRunResult:
    from shared.services.fetch_run import run_fetch

    return run_fetch(ctx.settings, ctx.body)
