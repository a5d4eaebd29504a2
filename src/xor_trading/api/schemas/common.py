"""Schemas shared by every resource: strict inputs, the error body, pages."""

from __future__ import annotations

from typing import Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field

T = TypeVar("T")

MAX_PAGE_SIZE = 500


class StrictInput(BaseModel):
    """Base of every request body: unknown fields are an error (mass assignment, S5)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PublicModel(BaseModel):
    """Base of every response body (built from service objects by attribute)."""

    model_config = ConfigDict(from_attributes=True)


class ErrorBody(BaseModel):
    """Every error response: a stable ``code``, a sentence, and what to do about it."""

    code: str = Field(description="Stable machine name of the error, e.g. not_found.")
    message: str = Field(description="What was wrong, as one sentence.")
    hint: str = Field(default="", description="What to do about it.")
    request_id: str = Field(default="", description="Quote it when reporting a problem.")
    details: list[dict[str, str]] = Field(
        default_factory=list, description="Per-field problems of a rejected request body."
    )


class Page(BaseModel, Generic[T]):
    """One page of a list: ``items`` plus the total count matching the filters."""

    items: list[T]
    total: int = Field(ge=0)
    limit: int = Field(ge=1, le=MAX_PAGE_SIZE)
    offset: int = Field(ge=0)


class Message(BaseModel):
    """A plain acknowledgement."""

    message: str
