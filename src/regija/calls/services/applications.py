"""The applicant's steps: start an application, save its draft, submit it before the deadline, withdraw it."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from regija.core.models import Organisation, Role
from regija.core.money import format_eur
from regija.core.permissions import member_role_at_least
from regija.notify.services import notify

from ..models import (
    ApplicantDeclaration,
    Application,
    ApplicationFund,
    ApplicationPartner,
    ApplicationPhase,
    ApplicationStatus,
    Attachment,
    Call,
    CallState,
)
from ..storage import check_upload
from .access import may_edit_application
from .common import Refused, local, now, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.core.files.uploadedfile import UploadedFile


def _eur(amount: Decimal | None) -> str:
    """An amount in a message, as the reader's language writes it."""
    return format_eur(amount, get_language() or "sl")


def start_application(call: Call, applicant: Organisation, user: User, title: str = "") -> Application:
    """A new draft for ``applicant``, by one of its editors, while the call is open."""
    require(
        member_role_at_least(user, applicant.pk, Role.EDITOR),
        _("Only an editor or administrator of %(org)s can apply on its behalf.") % {"org": applicant},
    )
    if not call.accepts_at(now()):
        raise Refused(not_open_message(call))
    return Application.objects.create(
        call=call,
        applicant=applicant,
        title=title or _("New application"),
        created_by=user,
        status=ApplicationStatus.DRAFT,
    )


def not_open_message(call: Call) -> str:
    """Why the call takes no application now: not published, opens later, or closed (and the server's time).

    The pages show it too, beside a draft that can no longer be changed.
    """
    state = call.state_at(now())
    if state == CallState.PUBLISHED:
        return _("The call opens at %(opens)s.") % {"opens": local(call.opens_at)}
    if state == CallState.DRAFT:
        return _("The call is not published.")
    return _(
        "The call closed at %(closes)s (server time now: %(now)s); applications are no longer accepted."
    ) % {
        "closes": local(call.closes_at),
        "now": local(now()),
    }


@dataclass
class DraftData:
    """What the applicant fills in: ``save_draft`` replaces a draft's content with it."""

    title: str
    summary: str
    funds: list[tuple[int, Decimal]] = field(default_factory=list)  # (fund id, requested)
    partners: list[dict[str, Any]] = field(default_factory=list)  # {organisation, name, role}
    phases: list[dict[str, Any]] = field(default_factory=list)  # {title, start, end, amount}


def over_maximum(call: Call, total: Decimal) -> str:
    """Why a request of ``total`` (all funds together) is more than the call gives one application, or ""."""
    if call.max_per_application is not None and total > call.max_per_application:
        return _(
            "The call gives at most %(max)s per application; the amounts requested add up to %(total)s."
        ) % {"max": _eur(call.max_per_application), "total": _eur(total)}
    return ""


def save_draft(application: Application, user: User, data: DraftData, *, version: int) -> Application:
    """Replace the draft's content; ``version`` is the one the user loaded, so a stale form can't
    overwrite a newer save. A request above the call's maximum per application is refused (field
    ``funds``); one above what the call's fund has left is not – the pages warn about it
    (``calls.selectors.budget_warnings``)."""
    require(may_edit_application(user, application))
    with transaction.atomic():
        app = Application.objects.select_for_update().select_related("call").get(pk=application.pk)
        if app.status != ApplicationStatus.DRAFT:
            raise Refused(_("The application has been submitted and can no longer be changed."))
        if not app.call.accepts_at(now()):
            raise Refused(not_open_message(app.call))
        if app.version != version:
            raise Refused(
                _(
                    "Someone saved this application after you opened it (at %(when)s). "
                    "Reload it, then make your changes again."
                )
                % {"when": local(app.updated_at)}
            )
        allowed_funds = set(app.call.funds.values_list("fund_id", flat=True))
        seen: set[int] = set()
        for fund_id, amount in data.funds:
            if allowed_funds and fund_id not in allowed_funds:
                raise Refused(
                    _("This call does not finance from the chosen fund."), field="funds", status=422
                )
            if fund_id in seen:
                raise Refused(_("Each fund may appear once."), field="funds", status=422)
            if amount is None or amount <= 0:
                raise Refused(_("A requested amount must be more than 0."), field="funds", status=422)
            seen.add(fund_id)
        too_much = over_maximum(app.call, sum((amount for _fund, amount in data.funds), Decimal("0")))
        if too_much:
            raise Refused(too_much, field="funds", status=422)
        for i, phase in enumerate(data.phases):  # the rule of the model (Phase.clean), on every door
            if phase.get("start") and phase.get("end") and phase["end"] < phase["start"]:
                raise Refused(_("A phase ends after it starts."), field=f"phases.{i}.end", status=422)
        app.title = data.title.strip() or app.title
        app.summary = data.summary.strip()
        app.version += 1
        app.updated_at = now()
        app.save()
        app.funds.all().delete()
        for fid, amount in data.funds:  # one by one: the audit log records each amount requested
            ApplicationFund.objects.create(application=app, fund_id=fid, requested=amount)
        app.partners.all().delete()
        ApplicationPartner.objects.bulk_create(
            ApplicationPartner(application=app, order=i, **p) for i, p in enumerate(data.partners)
        )
        app.phases.all().delete()
        ApplicationPhase.objects.bulk_create(
            ApplicationPhase(application=app, order=i, **p) for i, p in enumerate(data.phases)
        )
    return app


def missing_for_submission(app: Application) -> list[str]:
    """What a submission still needs (empty when the application is complete)."""
    missing: list[str] = []
    if not app.title.strip() or app.title == _("New application"):
        missing.append(_("a project title"))
    if not app.summary.strip():
        missing.append(_("a summary"))
    if not app.funds.exists():
        missing.append(_("the amount requested from at least one fund"))
    if not app.phases.exists():
        missing.append(_("at least one planned phase"))
    least = app.call.min_per_application
    if least is not None and app.funds.exists():
        total = sum((f.requested for f in app.funds.all()), Decimal("0"))
        if total < least:
            missing.append(
                _("at least %(min)s requested in total (the call's minimum; now %(total)s)")
                % {"min": _eur(least), "total": _eur(total)}
            )
    return missing


def _touch(application: Application) -> None:
    """A draft's content changed (an attachment came or went): a new version, so a form or a check of
    the answers opened before it is stale."""
    app = Application.objects.select_for_update().get(pk=application.pk)
    app.version += 1
    app.updated_at = now()
    app.save(update_fields=["version", "updated_at"])
    application.version, application.updated_at = app.version, app.updated_at


def submit(
    application: Application,
    user: User,
    *,
    declarations: Collection[str],
    version: int | None = None,
) -> Application:
    """Draft → submitted, before the deadline by the server's clock, only when complete, within the
    call's maximum and with every declaration (``ApplicantDeclaration``) made; they are kept with it.

    ``version`` is the one the applicant checked: if the application changed since (another tab, a
    colleague), the submission is refused, so what is submitted is what was checked."""
    require(may_edit_application(user, application))
    with transaction.atomic():
        # the call row is locked so that numbers are handed out one at a time
        call = Call.objects.select_for_update().get(pk=application.call_id)
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status != ApplicationStatus.DRAFT:
            raise Refused(
                _("The application was already submitted at %(when)s.") % {"when": local(app.submitted_at)}
            )
        moment = now()
        if not call.accepts_at(moment):
            raise Refused(not_open_message(call))
        if version is not None and app.version != version:
            raise Refused(
                _(
                    "The application changed after you opened this page (saved at %(when)s). "
                    "Check the answers below again, then submit."
                )
                % {"when": local(app.updated_at)},
                status=409,
            )
        missing = missing_for_submission(app)
        if missing:
            raise Refused(
                _("The application is incomplete and was not submitted. Missing: %(missing)s.")
                % {"missing": "; ".join(missing)},
                status=422,
            )
        too_much = over_maximum(call, sum((f.requested for f in app.funds.all()), Decimal("0")))
        if too_much:
            raise Refused(too_much, field="funds", status=422)
        if set(ApplicantDeclaration.values) - set(declarations):
            raise Refused(
                _("Tick every declaration to submit the application."), field="declarations", status=422
            )
        last = Application.objects.filter(call=call).aggregate(n=Max("number"))["n"] or 0
        app.number = last + 1
        app.status = ApplicationStatus.SUBMITTED
        app.submitted_at = moment
        app.submitted_by = user
        app.declarations = [d for d in ApplicantDeclaration.values if d in set(declarations)]
        app.save()
        notify(
            app.applicant,
            "application_received",
            title=gettext_lazy("Application %(number)s received"),
            body=gettext_lazy(
                "We received your application “%(title)s” to the call “%(call)s”. Its number is %(number)s."
            ),
            context={"number": app.reference, "title": app.title, "call": call.title},
            topic=call,
            url=app.get_absolute_url(),
        )
    return app


def withdraw_application(application: Application, user: User, reason: str = "") -> Application:
    """Draft or submitted → withdrawn by the applicant, before the decision; the reason is kept."""
    require(may_edit_application(user, application))
    with transaction.atomic():
        app = Application.objects.select_for_update().get(pk=application.pk)
        if app.status not in (ApplicationStatus.DRAFT, ApplicationStatus.SUBMITTED):
            raise Refused(_("A decided application cannot be withdrawn; withdraw the operation instead."))
        app.status = ApplicationStatus.WITHDRAWN
        app.decision_reason = reason.strip()
        app.save()
    return app


def attachment_add(
    application: Application, user: User, *, kind: str, upload: UploadedFile[bytes]
) -> Attachment:
    """Attach an uploaded file to a draft, by an editor of the applicant, while the call is open.

    The file's type is read from its content and its size capped (``calls.storage.check_upload``);
    it is stored under a safe name. A refused upload leaves nothing behind."""
    require(
        application.status == ApplicationStatus.DRAFT and may_edit_application(user, application),
        _("Attachments are added to a draft by its applicant."),
    )
    if not application.call.accepts_at(now()):
        raise Refused(not_open_message(application.call))
    try:
        checked = check_upload(upload)
    except ValidationError as exc:
        raise Refused(" ".join(exc.messages), field="file", status=422) from None
    with transaction.atomic():
        _touch(application)
        attachment = Attachment.objects.create(
            application=application,
            kind=kind,
            file=upload,
            original_name=(upload.name or "")[:255],
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            uploaded_by=user,
        )
    return attachment


def attachment_delete(attachment: Attachment, user: User) -> None:
    """Remove an attachment of a draft, by an editor of the applicant; the file goes once the row has."""
    application = attachment.application
    require(
        application.status == ApplicationStatus.DRAFT and may_edit_application(user, application),
        _("Only a draft's attachments can be removed."),
    )
    storage, name = attachment.file.storage, attachment.file.name
    with transaction.atomic():
        _touch(application)
        attachment.delete()
        if name:
            transaction.on_commit(lambda: storage.delete(name))
