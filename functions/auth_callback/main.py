"""GET /api/auth/callback: verify the state, exchange the code, store the connection, back to the app."""
import functions_framework

from shared.http import Redirect, RequestContext, endpoint


@functions_framework.http
@endpoint(auth="public", methods=("GET",), query="shared.models.auth:CallbackQuery")
def handler(ctx: RequestContext) -> Redirect:
    from shared.services.connect import complete_connect
    from shared.services.oauth_state import BINDING_COOKIE

    return Redirect(complete_connect(ctx.query, authorization=ctx.request.headers.get("Authorization"),
                                     binding=ctx.request.cookies.get(BINDING_COOKIE), settings=ctx.settings))
