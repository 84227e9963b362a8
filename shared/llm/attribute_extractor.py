"""Camera angle, audio, format and hook speed read by Claude from a post's title, caption and thumbnail URL.

The pattern run calls this only with an API key and treats it as best effort: any failure is logged
and the rows read so far are returned, so the transparent rules cover the rest.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from shared.llm.anthropic_provider import InvalidToolInput, anthropic_client, describe_errors, repair_turn
from shared.llm.models import UNKNOWN_LEVEL, AttributeReadingBatch, inline_schema
from shared.llm.prompts import ATTRIBUTES_REPAIR_REQUEST, ATTRIBUTES_SYSTEM_PROMPT, ATTRIBUTES_TOOL_NAME, render_posts

if TYPE_CHECKING:
    from shared.config import Settings

log = logging.getLogger(__name__)

BATCH_SIZE = 25
# Words never count for more than a platform fact (1.0) or an exact text rule (0.9); the merge also
# lets platform signals win whatever their confidence (hook speed from skip rate is 0.8).
MAX_CONFIDENCE = 0.9
# About 40 output tokens per reading, four readings a post, plus slack.
MAX_TOKENS_BASE, MAX_TOKENS_PER_POST, MAX_TOKENS_CAP = 512, 200, 8192


class _ReadFailed(Exception):
    """A batch could not be read; the message is a reason safe to log (no prompt text, no key)."""


def extract_attributes_llm(
    settings: Settings, posts: list[dict[str, Any]], *, client: Any = None
) -> list[dict[str, Any]]:
    """Rows (post_id, attribute, level, source "llm", confidence) read from the posts' words.

    A timeout, overload or twice-invalid answer is logged and ends the run with the rows read so far."""
    if not posts:
        return []
    if client is None:
        client = anthropic_client(settings, base_url=settings.anthropic_base_url)
    rows: list[dict[str, Any]] = []
    for start in range(0, len(posts), BATCH_SIZE):
        batch = posts[start : start + BATCH_SIZE]
        try:
            rows += _read_batch(client, settings.anthropic_model, batch)
        except _ReadFailed as failed:
            # Stop at the first failure: the API is slow or down, and the caller is waiting.
            log.warning(
                "attribute extraction stopped; rules cover the remaining posts",
                extra={
                    "fields": {
                        "model": settings.anthropic_model,
                        "reason": str(failed),
                        "posts_sent": start + len(batch),
                        "posts_unread": len(posts) - start,
                        "rows_read": len(rows),
                    }
                },
            )
            break
    return rows


def _read_batch(client: Any, model: str, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One forced tool call for the batch, with one repair turn when its input does not validate."""
    sent = {str(post["post_id"]) for post in batch}
    messages: list[dict[str, Any]] = [{"role": "user", "content": render_posts(batch)}]
    response = _create(client, model, messages, len(batch))
    try:
        return _rows(response, sent)
    except InvalidToolInput as invalid:
        log.info("attribute tool input invalid; asking for one repair", extra={"fields": {"model": model}})
        messages += repair_turn(response.content, invalid, ATTRIBUTES_REPAIR_REQUEST)
    response = _create(client, model, messages, len(batch))
    try:
        return _rows(response, sent)
    except InvalidToolInput:
        raise _ReadFailed("tool input invalid twice") from None


def _create(client: Any, model: str, messages: list[dict[str, Any]], n_posts: int) -> Any:
    import anthropic

    try:
        response = client.messages.create(
            model=model,
            max_tokens=min(MAX_TOKENS_CAP, MAX_TOKENS_BASE + MAX_TOKENS_PER_POST * n_posts),
            # Tools and this system block are the same for every batch: the cached prefix.
            system=[{"type": "text", "text": ATTRIBUTES_SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}],
            tools=[_tool()],
            tool_choice={"type": "tool", "name": ATTRIBUTES_TOOL_NAME},
            messages=messages,
        )
    except anthropic.APIStatusError as exc:
        raise _ReadFailed(f"HTTP {exc.status_code}") from None
    except anthropic.APIError as exc:  # timeouts and connection errors
        raise _ReadFailed(type(exc).__name__) from None
    usage = getattr(response, "usage", None)
    log.info(
        "attributes read",
        extra={
            "fields": {
                "model": model,
                "posts": n_posts,
                "stop_reason": getattr(response, "stop_reason", None),
                "input_tokens": getattr(usage, "input_tokens", None),
                "output_tokens": getattr(usage, "output_tokens", None),
                "cache_read_input_tokens": getattr(usage, "cache_read_input_tokens", None),
            }
        },
    )
    return response


def _tool() -> dict[str, Any]:
    return {
        "name": ATTRIBUTES_TOOL_NAME,
        "description": "Submit the attributes read from each post.",
        "input_schema": inline_schema(AttributeReadingBatch),
    }


def _rows(response: Any, sent: set[str]) -> list[dict[str, Any]]:
    """Validated readings as rows: unknown levels and ids that were not sent give no row."""
    block = next((b for b in response.content if b.type == "tool_use" and b.name == ATTRIBUTES_TOOL_NAME), None)
    if block is None:
        # Forced tool choice and no call: a refusal or a cut-off answer, nothing to repair.
        raise _ReadFailed(f"no tool call (stop_reason {getattr(response, 'stop_reason', None)})")
    try:
        batch = AttributeReadingBatch.model_validate(block.input)
    except ValidationError as exc:
        raise InvalidToolInput(block.id, describe_errors(exc)) from None
    best: dict[tuple[str, str], dict[str, Any]] = {}
    for post in batch.posts:
        if post.post_id not in sent:
            continue
        for reading in post.readings:
            confidence = min(reading.confidence, MAX_CONFIDENCE)
            key = (post.post_id, reading.attribute)
            if (
                reading.level == UNKNOWN_LEVEL
                or confidence <= 0
                or (key in best and best[key]["confidence"] >= confidence)
            ):
                continue
            best[key] = {
                "post_id": post.post_id,
                "attribute": reading.attribute,
                "level": reading.level,
                "source": "llm",
                "confidence": confidence,
            }
    return [best[key] for key in sorted(best)]
