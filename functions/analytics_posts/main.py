"""GET /api/analytics/posts: the caller's posts sorted by any metric, filtered, keyset-paged; CSV when asked."""

from typing import Any

import functions_framework

from shared.http import JsonBody, RequestContext, endpoint


@functions_framework.http
@endpoint(
    auth="user", methods=("GET",), query="shared.models.posts:PostsQuery", response="shared.models.posts:PostsResponse"
)
def handler(ctx: RequestContext) -> Any:
    from shared.services.posts_query import csv_response, list_posts_json, wants_csv

    if wants_csv(ctx.request):  # Accept: text/csv, streamed with the same filters
        return csv_response(ctx.user, ctx.query)
    return JsonBody(list_posts_json(ctx.user, ctx.query))  # one round trip, JSON built by Postgres
