"""API schemas of projects and money that other apps' routers answer with too."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field

from regija.api.types import MoneyOut


class MoneySummary(Schema):
    """Money of a set of projects, each project counted once."""

    projects: int
    total: MoneyOut
    secured: MoneyOut = Field(
        description="Secured lines in full plus the stated part of partly secured lines"
    )
    secured_unknown: MoneyOut = Field(
        description="Partly secured lines whose secured part the source does not give "
        "(somewhere between 0 and this)"
    )
    unsecured: MoneyOut
    paid: MoneyOut
    claimed: MoneyOut


def money_summary(rollup) -> dict:
    return {
        "projects": rollup.projects,
        "total": rollup.total,
        "secured": rollup.secured,
        "secured_unknown": rollup.secured_unknown,
        "unsecured": rollup.unsecured,
        "paid": rollup.paid,
        "claimed": rollup.claimed,
    }
