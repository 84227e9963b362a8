"""POST /api/auth/complete: the signed-in starter completes a connection the callback left awaiting her."""

from typing import Any

import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("POST",),
    body="shared.models.auth:CompleteBody",
    response="shared.models.auth:CompleteResponse",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.connect import finish_connect

    return finish_connect(ctx.user, ctx.body.handle, ctx.settings)
