"""GET /api/auth/{platform}: the consent URL with a signed one-time state (+ the browser-binding cookie)."""

import flask
import functions_framework

from shared.http import RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user",
    methods=("GET",),
    response="shared.models.auth:AuthStartResponse",
    path="/api/auth/{platform}",
    path_methods=("GET", "DELETE"),
)
def handler(ctx: RequestContext) -> flask.Response:
    from shared.services.connect import start_connect
    from shared.services.oauth_state import binding_cookie

    started = start_connect(ctx.user, ctx.path_params["platform"], ctx.settings)
    response = flask.jsonify(started.model_dump(mode="json"))
    response.headers["Cache-Control"] = "no-store"
    response.set_cookie(**binding_cookie(ctx.settings, ctx.user.user_id))
    return response
