"""Pieces every HTTP model shares: platforms, strict query parsing, problem documents.

Models defer building their validators to first use: cold starts pay only for what a request touches.
"""
from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict

Platform = Literal["instagram", "youtube", "pinterest", "tiktok"]
PLATFORMS: tuple[Platform, ...] = ("instagram", "youtube", "pinterest", "tiktok")


class QueryModel(BaseModel):
    """Query parameters: unknown names are an error, not silently ignored."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True, str_strip_whitespace=True, defer_build=True)


class BodyModel(BaseModel):
    """JSON request bodies: strict about unknown fields."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, defer_build=True)


class ResponseModel(BaseModel):
    """JSON responses: field names are snake_case, times UTC ISO 8601."""

    model_config = ConfigDict(populate_by_name=True, defer_build=True)


class Problem(BaseModel):
    """RFC 9457 problem document returned with every 4xx/5xx."""

    model_config = ConfigDict(defer_build=True)

    type: str
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
