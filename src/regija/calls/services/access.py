"""Who may manage a call, see its staff pages, edit an application, or act as the committee's chair.

Reads only: the service functions call these before they write, the views to decide what to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from regija.core.models import Role
from regija.core.permissions import member_role_at_least

from ..models import Application, Call, CommitteeSeat, SeatRole

if TYPE_CHECKING:
    from regija.core.permissions import Actor


def may_manage_call(user: Actor, call: Call) -> bool:
    """Editors and admins of the organisation running the call (and superusers)."""
    return member_role_at_least(user, call.organisation_id, Role.EDITOR)


def may_see_call_staff(user: Actor, call: Call) -> bool:
    """Any member (viewers too) of the organisation running the call, and superusers: its staff pages."""
    return member_role_at_least(user, call.organisation_id, Role.VIEWER)


def may_edit_application(user: Actor, application: Application) -> bool:
    """Editors and admins of the applicant organisation (and superusers)."""
    return member_role_at_least(user, application.applicant_id, Role.EDITOR)


def seat_of(user: Actor, call: Call) -> CommitteeSeat | None:
    """The user's seat on the call's evaluation committee, or None."""
    if not user.is_authenticated:
        return None
    return call.seats.filter(user=user).first()


def is_chair(user: Actor, call: Call) -> bool:
    """Whether the user holds the chair of the call's evaluation committee."""
    return user.is_authenticated and call.seats.filter(user=user, role=SeatRole.CHAIR).exists()
