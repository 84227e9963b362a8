"""Concepts from Claude via the Messages API: forced tool call, pydantic validation, one repair turn."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from shared.errors import ConfigurationError, InvalidInput, ServiceUnavailable, UpstreamFailed
from shared.llm.models import ConceptBatch, RecommendationContext, inline_schema
from shared.llm.prompts import REPAIR_REQUEST, SYSTEM_PROMPT, TOOL_NAME, render_context
from shared.llm.provider import MAX_CONCEPTS

if TYPE_CHECKING:
    from shared.config import Settings

log = logging.getLogger(__name__)

DEFAULT_RETRY_AFTER_S = 30
# Roughly 900 output tokens per concept plus slack; a cut-off tool call would fail validation.
MAX_TOKENS_BASE, MAX_TOKENS_PER_CONCEPT, MAX_TOKENS_CAP = 1024, 1200, 16000


def anthropic_client(settings: Settings, *, base_url: str | None = None) -> Any:
    """An SDK client with our timeout and a single retry; ConfigurationError without a key."""
    if settings.anthropic_api_key is None:
        raise ConfigurationError("ANTHROPIC_API_KEY is not set")
    import anthropic  # heavy: only when a model is actually called

    return anthropic.Anthropic(
        api_key=settings.anthropic_api_key.get_secret_value(),
        base_url=base_url,
        timeout=settings.llm_timeout_s,
        max_retries=1,
    )


class InvalidToolInput(Exception):
    """A tool call whose input did not validate: the block to answer and the errors to show the model."""

    def __init__(self, tool_use_id: str, errors: str):
        super().__init__(errors)
        self.tool_use_id, self.errors = tool_use_id, errors


class AnthropicProvider:
    """LLMProvider backed by the Anthropic Messages API."""

    name = "anthropic"
    offline = False

    def __init__(self, settings: Settings, *, base_url: str | None = None, client: Any = None):
        self.model = settings.anthropic_model
        self._client = client if client is not None else anthropic_client(settings, base_url=base_url)

    def generate_concepts(self, context: RecommendationContext, n: int) -> ConceptBatch:
        """n concepts (1-10); ServiceUnavailable when Claude is slow, overloaded or twice invalid."""
        if not 1 <= n <= MAX_CONCEPTS:
            raise InvalidInput(f"n must be between 1 and {MAX_CONCEPTS}")
        messages: list[dict[str, Any]] = [{"role": "user", "content": render_context(context, n)}]
        response = self._create(messages, n)
        try:
            return _parse(response, n)
        except InvalidToolInput as invalid:
            log.warning("concept tool input invalid; asking for one repair", extra={"fields": {"model": self.model}})
            messages += repair_turn(response.content, invalid, REPAIR_REQUEST)
        response = self._create(messages, n)
        try:
            return _parse(response, n)
        except InvalidToolInput:
            raise ServiceUnavailable(
                "The concept writer returned invalid concepts twice; try again shortly.",
                retry_after=DEFAULT_RETRY_AFTER_S,
            ) from None

    def _create(self, messages: list[dict[str, Any]], n: int) -> Any:
        import anthropic

        try:
            response = self._client.messages.create(
                model=self.model,
                max_tokens=min(MAX_TOKENS_CAP, MAX_TOKENS_BASE + MAX_TOKENS_PER_CONCEPT * n),
                # Tools and this system block form the cached prefix; the context varies per call.
                system=[{"type": "text", "text": SYSTEM_PROMPT, "cache_control": {"type": "ephemeral"}}],
                tools=[_tool()],
                tool_choice={"type": "tool", "name": TOOL_NAME},
                messages=messages,
            )
        except anthropic.APITimeoutError:
            raise ServiceUnavailable(
                "The concept writer timed out; try again shortly.", retry_after=DEFAULT_RETRY_AFTER_S
            ) from None
        except anthropic.APIConnectionError:
            raise ServiceUnavailable(
                "The concept writer could not be reached; try again shortly.", retry_after=DEFAULT_RETRY_AFTER_S
            ) from None
        except anthropic.APIStatusError as exc:
            raise _status_error(exc.status_code, exc.response.headers) from None
        usage = getattr(response, "usage", None)
        # Under "fields": the JSON formatter ignores other `extra` keys.
        log.info(
            "concepts generated",
            extra={
                "fields": {
                    "model": self.model,
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
        "name": TOOL_NAME,
        "description": "Submit the content concepts for the creator.",
        "input_schema": inline_schema(ConceptBatch),
    }


def _parse(response: Any, n: int) -> ConceptBatch:
    block = next((b for b in response.content if b.type == "tool_use" and b.name == TOOL_NAME), None)
    if block is None:
        # With tool_choice forcing the tool this means a refusal or a cut-off answer: nothing to repair.
        raise ServiceUnavailable(
            "The concept writer gave no concepts; try again shortly.", retry_after=DEFAULT_RETRY_AFTER_S
        )
    try:
        batch = ConceptBatch.model_validate(block.input)
    except ValidationError as exc:
        raise InvalidToolInput(block.id, describe_errors(exc)) from None
    return ConceptBatch(concepts=batch.concepts[:n])


def describe_errors(exc: ValidationError) -> str:
    """Validation errors as short lines the model can act on (location: message)."""
    return "\n".join(f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in exc.errors()[:30])


def repair_turn(content: list[Any], invalid: InvalidToolInput, request: str) -> list[dict[str, Any]]:
    """The assistant's invalid call replayed, then its errors as a tool result and the request to fix them."""
    return [
        {"role": "assistant", "content": replayable_content(content)},
        {
            "role": "user",
            "content": [
                {
                    "type": "tool_result",
                    "tool_use_id": invalid.tool_use_id,
                    "is_error": True,
                    "content": invalid.errors,
                },
                {"type": "text", "text": request},
            ],
        },
    ]


def replayable_content(content: list[Any]) -> list[dict[str, Any]]:
    """The assistant turn as request blocks (only the fields the API accepts back)."""
    blocks = []
    for b in content:
        if b.type == "tool_use":
            blocks.append({"type": "tool_use", "id": b.id, "name": b.name, "input": b.input})
        elif b.type == "text" and b.text:
            blocks.append({"type": "text", "text": b.text})
    return blocks


def _status_error(status: int, headers: Any) -> Exception:
    if status in (408, 429) or status >= 500:  # timeouts, rate limits, 5xx and 529 overloaded
        return ServiceUnavailable(
            f"The concept writer is busy (HTTP {status}); try again shortly.", retry_after=_retry_after(headers)
        )
    if status in (401, 403):
        return ConfigurationError("The Anthropic API key was rejected")
    return UpstreamFailed(f"The concept writer refused the request (HTTP {status})")


def _retry_after(headers: Any) -> int:
    try:
        return max(1, int(float(headers.get("retry-after"))))
    except (TypeError, ValueError, OverflowError):
        return DEFAULT_RETRY_AFTER_S
