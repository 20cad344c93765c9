"""Who may manage a call, see its staff pages, edit an application, or act as the committee's chair.

Reads only: the service functions call these before they write, the views to decide what to show.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from regija.core.models import Role
from regija.core.permissions import member_role_at_least, org_ids_with

from ..models import Application, ApplicationStatus, Assignment, Call, CallState, CommitteeSeat, SeatRole

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


def may_change_draft(user: Actor, application: Application) -> bool:
    """Whether the user may save, attach to and submit the application now: a draft, by an editor of the
    applicant, while the call is open (the pages show the form, the API says ``editable``)."""
    return (
        application.status == ApplicationStatus.DRAFT
        and may_edit_application(user, application)
        and application.call.state == CallState.OPEN
    )


def may_withdraw(user: Actor, application: Application) -> bool:
    """Whether the user may withdraw the application now: a draft or submitted one, by an editor of the
    applicant (``applications.withdraw_application``)."""
    return application.status in (
        ApplicationStatus.DRAFT,
        ApplicationStatus.SUBMITTED,
    ) and may_edit_application(user, application)


def application_access(user: Actor, app: Application) -> set[str]:
    """The capacities in which ``user`` may see ``app``: 'applicant' (a member of the applicant, any role),
    'staff' (a member of the call's organisation, once it is submitted; a superuser always) and
    'evaluator' (a committee member it is assigned to, after the call closes). Empty: not at all – the
    pages and the API then answer 404, so not even its existence leaks."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return set()
    found = set()
    viewer_orgs = org_ids_with(user, Role.VIEWER)
    if viewer_orgs is None:  # a superuser sees every application as staff
        return {"staff"}
    if app.applicant_id in viewer_orgs:
        found.add("applicant")
    if app.status != ApplicationStatus.DRAFT and app.call.organisation_id in viewer_orgs:
        found.add("staff")
    if (
        app.call.is_closed_for_submissions
        and Assignment.objects.filter(application=app, seat__user=user).exists()
    ):
        found.add("evaluator")
    return found


def seat_of(user: Actor, call: Call) -> CommitteeSeat | None:
    """The user's seat on the call's evaluation committee, or None."""
    if not user.is_authenticated:
        return None
    return call.seats.filter(user=user).first()


def is_chair(user: Actor, call: Call) -> bool:
    """Whether the user holds the chair of the call's evaluation committee."""
    return user.is_authenticated and call.seats.filter(user=user, role=SeatRole.CHAIR).exists()
