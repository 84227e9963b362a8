"""GET /api/analytics/posts: the caller's posts sorted by any metric, filtered, keyset-paged."""
import functions_framework

from shared.db import user_transaction
from shared.http import RequestContext, endpoint
from shared.models.posts import PostsQuery, PostsResponse
from shared.services.posts_query import list_posts


@functions_framework.http
@endpoint(auth="user", methods=("GET",), query=PostsQuery, response=PostsResponse)
def handler(ctx: RequestContext) -> PostsResponse:
    with user_transaction(ctx.user) as conn:
        return list_posts(conn, ctx.query, ctx.user.user_id)
