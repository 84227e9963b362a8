"""GET /api/analytics/signals: ranking-signal scores per connected platform, against her history and niche."""
import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint
from shared.models.signals import SignalsQuery, SignalsResponse
from shared.services.signals import signals


@functions_framework.http
@endpoint(auth="user", methods=("GET",), query=SignalsQuery, response=SignalsResponse)
def handler(ctx: RequestContext) -> SignalsResponse:
    with user_transaction(ctx.user) as conn:
        return signals(conn)
