"""GET /api/auth/callback: verify the state; in the starter's browser (its binding cookie) exchange the code and
store the connection, elsewhere keep the code for POST /api/auth/complete; back to the app either way."""

import functions_framework

from shared.http import Redirect, RequestContext, endpoint


@functions_framework.http
@endpoint(auth="public", methods=("GET",), query="shared.models.auth:CallbackQuery")
def handler(ctx: RequestContext) -> Redirect:
    from shared.services.connect import complete_connect
    from shared.services.oauth_state import binding_cookie_name

    binding = ctx.request.cookies.get(binding_cookie_name(ctx.settings))
    return Redirect(
        complete_connect(
            ctx.query, authorization=ctx.request.headers.get("Authorization"), binding=binding, settings=ctx.settings
        )
    )
