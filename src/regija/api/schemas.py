"""Schemas several routers share: the base of request bodies and references to organisations."""

from __future__ import annotations

from ninja import Schema
from pydantic import ConfigDict, Field, field_validator
from pydantic_core import PydanticCustomError


class Input(Schema):
    """Base of request bodies: unknown fields are refused (a typo must not silently change nothing),
    and so is text with NUL characters (PostgreSQL cannot store it)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: object) -> object:
        if isinstance(value, str) and "\x00" in value:
            raise PydanticCustomError("nul_character", "text must not contain NUL characters")
        return value


class OrgRef(Schema):
    slug: str
    name: str


class Party(Schema):
    """An organisation that may be a natural person (an applicant, a project's holder or partner)."""

    person: bool = Field(
        description="True for a natural person, who is never named: name and slug are then null"
    )
    name: str | None = Field(
        description=(
            "Null for a natural person, and for an application's partner that is not a linked organisation "
            "(a name typed as free text is not published)"
        )
    )
    slug: str | None
