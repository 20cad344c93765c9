"""The search API's answers."""

from __future__ import annotations

from typing import Literal

from ninja import Schema

KindName = Literal[
    "strategy", "node", "indicator", "project", "organisation", "dataset", "proposal", "pb_proposal"
]


class HitOut(Schema):
    kind: KindName
    title: str
    code: str
    context: str
    url: str
    score: int


class GroupOut(Schema):
    kind: KindName
    label: str
    total: int
    hits: list[HitOut]


class SearchOut(Schema):
    query: str
    words: list[str]
    total: int
    groups: list[GroupOut]
