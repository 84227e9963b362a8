"""GET /api/auth/callback: verify the state, exchange the code, store the connection, back to the app."""
import functions_framework

from shared.http import Redirect, RequestContext, endpoint
from shared.models.auth import CallbackQuery
from shared.services.connect import complete_connect
from shared.services.oauth_state import BINDING_COOKIE


@functions_framework.http
@endpoint(auth="public", methods=("GET",), query=CallbackQuery)
def handler(ctx: RequestContext) -> Redirect:
    return Redirect(complete_connect(ctx.query, authorization=ctx.request.headers.get("Authorization"),
                                     binding=ctx.request.cookies.get(BINDING_COOKIE), settings=ctx.settings))
