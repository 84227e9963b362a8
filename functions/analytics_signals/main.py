"""GET /api/analytics/signals: ranking-signal scores per connected platform, against her history and niche."""

from typing import Any

import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("GET",),
    query="shared.models.signals:SignalsQuery",
    response="shared.models.signals:SignalsResponse",
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.signals import signals

    with user_transaction(ctx.user) as conn:
        return signals(conn)
