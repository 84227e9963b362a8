"""Pieces every HTTP model shares: platforms, strict query parsing, problem documents.

Models defer building their validators to first use: cold starts pay only for what a request touches.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

Platform = Literal["instagram", "youtube", "pinterest", "tiktok"]
PLATFORMS: tuple[Platform, ...] = ("instagram", "youtube", "pinterest", "tiktok")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _iso_date(value: object) -> object:
    # Lax parsing would read "0" as 1970-01-01; a query date is YYYY-MM-DD or an error.
    if isinstance(value, str) and not _ISO_DATE.match(value):
        raise ValueError("dates are YYYY-MM-DD")
    if isinstance(value, (int, float)):
        raise ValueError("dates are YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]


def comma_list(value: object) -> object:
    """`a,b` or a repeated parameter as one list, each value once, in order (a before-validator)."""
    if isinstance(value, str):
        value = [value]
    if isinstance(value, list):
        parts = (part.strip() for item in value for part in str(item).split(","))
        return list(dict.fromkeys(part for part in parts if part))
    return value


def no_control_chars(value: str | None) -> str | None:
    """Refuse control characters: Postgres text cannot hold NUL, and none belongs in a query value."""
    if value is not None and any(ord(ch) < 32 for ch in value):
        raise ValueError("must not contain control characters")
    return value


MAX_CURSOR_CHARS = 512
CURSOR_DOC = "`next_cursor` of the previous page, to read the next one (same filters); omit for the first page"
NEXT_CURSOR_DOC = "Pass as `cursor` for the next page; null on the last page"


class QueryModel(BaseModel):
    """Query parameters: unknown names are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True, defer_build=True)


class BodyModel(BaseModel):
    """JSON request bodies: strict about unknown fields."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class ResponseModel(BaseModel):
    """JSON responses: field names are snake_case, times UTC ISO 8601."""

    model_config = ConfigDict(populate_by_name=True, defer_build=True)


class ValidationIssue(BaseModel):
    """One invalid parameter or field of a 400 invalid-input problem (its value is never echoed)."""

    model_config = ConfigDict(defer_build=True)

    loc: list[str] = Field(description='Where: "query" or "body", then the parameter or field path')
    msg: str = Field(description="What is wrong, in words")
    type: str = Field(description="Machine-readable kind (pydantic's error type), e.g. missing, extra_forbidden")


class Problem(BaseModel):
    """RFC 9457 problem document returned with every 4xx/5xx (`application/problem+json`)."""

    model_config = ConfigDict(defer_build=True)

    type: str = Field(description="https://creator-intelligence.dev/problems/<slug>, one per kind of error")
    title: str = Field(description="The kind of error, in words (the same for every problem of a type)")
    status: int = Field(description="The HTTP status")
    detail: str = Field(description="What went wrong with this request; safe to show the user")
    instance: str | None = Field(default=None, description="The request's path")
    request_id: str | None = Field(default=None, description="The X-Request-Id header; quote it to support")
    errors: list[ValidationIssue] | None = Field(
        default=None, description="400 invalid-input only: each invalid query parameter or body field"
    )
    code: str | None = Field(
        default=None,
        description="POST /api/auth/complete only: the callback's error code "
        "(wrong_user, state_expired, state_replayed, ...)",
    )
    platform: str | None = Field(default=None, description="POST /api/auth/complete only: the platform")
