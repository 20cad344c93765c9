"""Self-registration of an applicant organisation: a person registers, confirms their e-mail address by
a link, and the staff of the call's organisation approve (or reject) the registration.

1. ``register_applicant`` – for a published call that has not closed: an inactive user (the e-mail
   address as user name, the password as they chose it) and an ``ApplicantRegistration`` with their
   organisation, in one transaction. Then ``send_registration_mail`` sends the link.
   The page never says whether the address has an account already (that would let anyone test
   addresses): such an address gets an e-mail instead – how to sign in and a link to set a new
   password, or that its registration waits for approval. An unconfirmed registration under the same
   address is renewed with the new data and a new link (whoever typed an address first does not keep
   it from its owner).
2. ``confirm_email`` – the link (``django.core.signing``, valid ``REGIJA_REGISTRATION_LINK_DAYS`` and
   only the last one sent) marks the address confirmed; the call's staff are told by e-mail.
3. ``approve_registration`` – by an editor or admin of the call's organisation: makes the organisation,
   or adds the person to the one already on Regija under the same registration number (which the
   staff saw: ``expected_match``; while that organisation has administrators, only they may), makes
   the person its editor and switches the user on; the person gets an e-mail with where to sign in.
   ``reject_registration`` needs a reason, e-mailed to the person; the account, never used, is deleted
   (the registration is kept, so the address may register again).
4. ``clean_expired_registrations`` – unconfirmed registrations whose link expired, and their unused
   accounts, are deleted (``regija clean_registrations``). Nothing staff decided is ever deleted.

Every write is in the audit log: a person's own steps under their e-mail address (``via`` registration),
staff's under their name. E-mails are sent after the transaction: when sending fails the rows stay,
the page says so, and the same e-mail can be sent again (``resend_registration_mail``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.contrib.auth.tokens import default_token_generator
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.text import slugify
from django.utils.translation import gettext as _

from regija.accounts.services import mark_email_confirmed
from regija.core import audit
from regija.core.identifiers import read_registration_number, read_tax_number
from regija.core.models import Membership, Organisation, Role
from regija.core.permissions import forget, member_role_at_least
from regija.core.services import Conflict, validate
from regija.core.validators import url_problem

from ..models import APPLICANT_KINDS, ApplicantRegistration, Call, CallState, RegistrationStatus
from ..selectors import organisation_match
from .access import may_manage_call
from .common import Refused, local, now, require

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)

SALT = "regija.calls.registration.confirm"
VIA = "registration"

MailKind = Literal["confirm", "exists", "pending", "inactive"]


def link_days() -> int:
    return int(settings.REGIJA_REGISTRATION_LINK_DAYS)


def takes_registrations(call: Call, moment: dt.datetime | None = None) -> bool:
    """A call takes registrations from its publication until it closes (so an organisation can be ready
    when it opens)."""
    return call.state_at(moment or now()) in (CallState.PUBLISHED, CallState.OPEN)


def closed_message(call: Call) -> str:
    return _("This call no longer takes applications, so it takes no registrations either.")


@dataclasses.dataclass(frozen=True)
class RegistrationData:
    """What the person fills in."""

    first_name: str
    last_name: str
    email: str
    password: str
    organisation_name: str
    organisation_kind: str
    registration_number: str
    tax_number: str
    address: str
    website: str = ""
    language: str = "sl"


@dataclasses.dataclass(frozen=True)
class Registered:
    """What ``register_applicant`` did, for the e-mail only: the page shows the same whatever it is.

    ``mail`` is the e-mail ``email`` gets – ``confirm`` (the link of ``registration``), ``exists`` (an
    account with this address can sign in: ``user``), ``pending`` (its registration waits for the staff)
    or ``inactive`` (an account that is switched off)."""

    call: Call
    email: str
    mail: MailKind
    registration: ApplicantRegistration | None = None
    user: User | None = None


def normal_email(value: str) -> str:
    """An e-mail address as stored and compared: without surrounding spaces, in lower case."""
    return (value or "").strip().lower()


def _refuse(field: str, exc: ValidationError) -> Refused:
    return Refused(" ".join(exc.messages), field=field, status=422)


def check_data(data: RegistrationData) -> RegistrationData:
    """The data read and checked as the service stores it (numbers as digits, the address in lower
    case), or ``Refused`` naming the field. The form shows the same messages beside its fields."""
    values = {
        "first_name": data.first_name.strip(),
        "last_name": data.last_name.strip(),
        "organisation_name": data.organisation_name.strip(),
        "address": data.address.strip(),
    }
    for field, value in values.items():
        if not value:
            raise Refused(_("This field is required."), field=field, status=422)
    email = normal_email(data.email)
    if not email:
        raise Refused(_("This field is required."), field="email", status=422)
    try:
        validate_email(email)
    except ValidationError as exc:
        raise _refuse("email", exc) from None
    if data.organisation_kind not in APPLICANT_KINDS:
        raise Refused(_("Choose the kind of organisation."), field="organisation_kind", status=422)
    try:
        registration_number = read_registration_number(data.registration_number)
    except ValidationError as exc:
        raise _refuse("registration_number", exc) from None
    try:
        tax_number = read_tax_number(data.tax_number)
    except ValidationError as exc:
        raise _refuse("tax_number", exc) from None
    website = data.website.strip()
    if website and url_problem(website) is not None:
        raise Refused(
            _("Enter a web address that starts with http:// or https://."), field="website", status=422
        )
    person = get_user_model()(
        username=email, email=email, first_name=values["first_name"], last_name=values["last_name"]
    )
    try:
        password_validation.validate_password(data.password, person)
    except ValidationError as exc:
        raise _refuse("password1", exc) from None
    return dataclasses.replace(
        data,
        email=email,
        registration_number=registration_number,
        tax_number=tax_number,
        website=website,
        **values,
    )


def _accounts(email: str) -> list[User]:
    users = get_user_model().objects.filter(Q(username__iexact=email) | Q(email__iexact=email))
    return list(users.order_by("-is_active", "pk")[:5])


def _open_registration(user: User) -> ApplicantRegistration | None:
    return (
        ApplicantRegistration.objects.filter(
            user=user, status__in=[RegistrationStatus.UNCONFIRMED, RegistrationStatus.CONFIRMED]
        )
        .select_related("call__organisation")
        .order_by("-created_at", "-pk")
        .first()
    )


def _fill(
    registration: ApplicantRegistration, call: Call, data: RegistrationData, moment: dt.datetime
) -> None:
    registration.call = call
    registration.first_name = data.first_name
    registration.last_name = data.last_name
    registration.email = data.email
    registration.organisation_name = data.organisation_name
    registration.organisation_kind = data.organisation_kind
    registration.registration_number = data.registration_number
    registration.tax_number = data.tax_number
    registration.address = data.address
    registration.website = data.website
    registration.language = data.language
    registration.consent_at = moment
    registration.link_sent_at = moment


def register_applicant(call: Call, data: RegistrationData) -> Registered:
    """A person registers their organisation to apply to ``call`` (see the module's docstring, 1).

    ``Refused`` when the call takes no registrations or an input is wrong (naming the field)."""
    moment = now()
    if not takes_registrations(call, moment):
        raise Refused(closed_message(call))
    data = check_data(data)
    for attempt in range(2):
        try:
            with transaction.atomic(), audit.acting(None, via=VIA, label=data.email):
                return _register(call, data, moment)
        except IntegrityError:  # the same address registered at the same moment: look again
            if attempt:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _register(call: Call, data: RegistrationData, moment: dt.datetime) -> Registered:
    accounts = _accounts(data.email)
    account = accounts[0] if accounts else None
    if account is None:
        account = get_user_model()(
            username=data.email,
            email=data.email,
            first_name=data.first_name,
            last_name=data.last_name,
            is_active=False,
        )
        account.set_password(data.password)
        account.save()
        new = ApplicantRegistration(user=account)
        _fill(new, call, data, moment)
        new.created_at = moment
        validate(new)
        new.save()
        return Registered(call, data.email, "confirm", registration=new)
    if account.is_active:
        make_password(data.password)  # as long as making an account takes: the answer's time tells nothing
        return Registered(call, data.email, "exists", user=account)
    registration = _open_registration(account)
    if registration is None:
        make_password(data.password)
        return Registered(call, data.email, "inactive", user=account)
    if registration.status == RegistrationStatus.CONFIRMED:
        make_password(data.password)
        return Registered(registration.call, data.email, "pending", registration=registration)
    # Not confirmed yet: whoever confirms the new link gets the account with the data given now.
    account.first_name, account.last_name = data.first_name, data.last_name
    account.set_password(data.password)
    account.save()
    _fill(registration, call, data, moment)
    validate(registration)
    registration.save()
    return Registered(call, data.email, "confirm", registration=registration)


def resend_registration_mail(call: Call, email: str) -> Registered | None:
    """The e-mail ``register_applicant`` gave this address, again (with a new link, the older one then
    stops working); None when there is nothing to send (the registration was removed meanwhile)."""
    email = normal_email(email)
    with transaction.atomic(), audit.acting(None, via=VIA, label=email):
        accounts = _accounts(email)
        if not accounts:
            return None
        account = accounts[0]
        if account.is_active:
            return Registered(call, email, "exists", user=account)
        registration = _open_registration(account)
        if registration is None:
            return Registered(call, email, "inactive", user=account)
        if registration.status == RegistrationStatus.CONFIRMED:
            return Registered(registration.call, email, "pending", registration=registration)
        registration.link_sent_at = now()
        registration.save(update_fields=["link_sent_at"])
        return Registered(registration.call, email, "confirm", registration=registration)


# --- the link --------------------------------------------------------------------------------------


def _stamp(registration: ApplicantRegistration) -> str:
    return registration.link_sent_at.astimezone(dt.UTC).isoformat()


def confirmation_token(registration: ApplicantRegistration) -> str:
    """The signed token of the registration's last link: it names the registration, its address and when
    the link was sent, so a renewed or re-sent registration's older links stop working."""
    return signing.dumps([registration.pk, registration.email, _stamp(registration)], salt=SALT)


@dataclasses.dataclass(frozen=True)
class Link:
    """What a confirmation link leads to: its registration (None: not a link of ours, or one replaced by a
    newer link) and whether it is too old to confirm with."""

    registration: ApplicantRegistration | None
    expired: bool = False


def read_link(call: Call, token: str) -> Link:
    """The registration of ``call`` a confirmation link names. A link older than
    ``REGIJA_REGISTRATION_LINK_DAYS`` is ``expired`` (still naming a registration confirmed meanwhile,
    so its page can say so)."""
    expired = False
    try:
        payload = signing.loads(token, salt=SALT, max_age=dt.timedelta(days=link_days()))
    except signing.SignatureExpired:
        expired = True
        payload = signing.loads(token, salt=SALT)
    except signing.BadSignature:
        return Link(None)
    try:
        pk, email, stamp = payload
    except (TypeError, ValueError):
        return Link(None)
    registration = (
        ApplicantRegistration.objects.select_related("call__organisation", "organisation")
        .filter(pk=pk, call=call, email=email)
        .first()
    )
    if registration is None or _stamp(registration) != stamp:
        return Link(None)
    return Link(registration, expired)


@dataclasses.dataclass(frozen=True)
class Confirmed:
    registration: ApplicantRegistration
    newly: bool  # confirmed by this call (False: it was confirmed, or decided, before)


def confirm_email(call: Call, token: str) -> Confirmed:
    """The person opened the link and confirms: the registration now waits for the call's staff.

    Confirming again changes nothing. ``Refused`` (404) for a link that is not valid, (410) for one
    that is too old while the address is not confirmed."""
    link = read_link(call, token)
    if link.registration is None:
        raise Refused(_("This link does not work. Copy the whole link from the e-mail."), status=404)
    with transaction.atomic(), audit.acting(None, via=VIA, label=link.registration.email):
        registration = ApplicantRegistration.objects.select_for_update().get(pk=link.registration.pk)
        if registration.status != RegistrationStatus.UNCONFIRMED:
            return Confirmed(registration, newly=False)
        if link.expired or registration.expired_at(now()):
            raise Refused(expired_message(), status=410)
        registration.status = RegistrationStatus.CONFIRMED
        registration.confirmed_at = now()
        registration.save(update_fields=["status", "confirmed_at"])
        if registration.user is not None:  # one account system: the address is confirmed for sign-in too
            mark_email_confirmed(registration.user, registration.email)
    return Confirmed(registration, newly=True)


def expired_message() -> str:
    return _(
        "This link is too old: it works for %(days)s days. Register again with the same e-mail address; "
        "you will get a new link."
    ) % {"days": link_days()}


# --- staff's decision ------------------------------------------------------------------------------


def may_join(user: User, match_org: Organisation, admins: int) -> bool:
    """Whether ``user`` may add a person to an organisation already on Regija: while it has
    administrators there, only they (and superusers) may."""
    return admins == 0 or member_role_at_least(user, match_org.pk, Role.ADMIN)


def _unique_slug(name: str) -> str:
    base = slugify(name)[:90].strip("-") or "organizacija"
    taken = set(Organisation.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _acting(user: User) -> Any:
    current = audit.current()
    return audit.acting(user, via=(current.via if current else "") or "web")


def _locked_for_decision(registration: ApplicantRegistration, user: User) -> ApplicantRegistration:
    require(may_manage_call(user, registration.call))
    locked = (
        # only the registration's row is locked: PostgreSQL cannot lock the nullable side of the join to
        # its user (an account removed by a rejection)
        ApplicantRegistration.objects.select_for_update(of=("self",))
        .select_related("call__organisation", "user")
        .get(pk=registration.pk)
    )
    if locked.status == RegistrationStatus.UNCONFIRMED:
        raise Refused(
            _(
                "The person has not confirmed their e-mail address yet; a registration is decided once they "
                "have. An unconfirmed registration is removed when its link expires."
            )
        )
    if locked.status in (RegistrationStatus.APPROVED, RegistrationStatus.REJECTED):
        raise Refused(
            _("This registration was already decided (%(status)s, %(when)s).")
            % {"status": locked.get_status_display(), "when": local(locked.decided_at)}
        )
    return locked


@dataclasses.dataclass(frozen=True)
class Decided:
    registration: ApplicantRegistration
    mailed: bool  # whether the e-mail to the person went out


def approve_registration(
    registration: ApplicantRegistration, user: User, *, expected_match: int | None, site: str
) -> Decided:
    """Approve a confirmed registration (see the module's docstring, 3). ``expected_match`` is the id of
    the organisation the staff were shown as already having this registration number (None: none was)."""
    with transaction.atomic(), _acting(user):
        reg = _locked_for_decision(registration, user)
        account = reg.user
        if account is None:
            raise Refused(_("The registration's user account no longer exists; reject the registration."))
        match = organisation_match(reg)
        if (match.organisation.pk if match else None) != expected_match:
            raise Conflict(
                _(
                    "Which organisation on Regija has this registration number changed since the page was "
                    "opened. Look at the registration again before you approve it."
                )
            )
        if match is not None:
            require(
                may_join(user, match.organisation, match.admins),
                _(
                    "%(org)s has administrators on Regija; only they can add people to it. Ask them to add "
                    "the person under Memberships, or reject the registration saying so."
                )
                % {"org": match.organisation.name},
            )
            organisation = match.organisation
        else:
            organisation = Organisation(
                slug=_unique_slug(reg.organisation_name),
                name=reg.organisation_name,
                kind=reg.organisation_kind,
                country="SI",
                registration_number=reg.registration_number,
                address=reg.address,
                website=reg.website,
            )
            validate(organisation)
            organisation.save()
        Membership.objects.get_or_create(
            user=account, organisation=organisation, defaults={"role": Role.EDITOR}
        )
        account.is_active = True
        account.save(update_fields=["is_active"])
        reg.status = RegistrationStatus.APPROVED
        reg.decided_at = now()
        reg.decided_by = user
        reg.organisation = organisation
        reg.save(update_fields=["status", "decided_at", "decided_by", "organisation"])
        forget(account)
    mailed = _send(
        reg.email,
        "approved",
        reg.language,
        {
            "registration": reg,
            "organisation": organisation,
            "existing": match is not None,
            "login_url": site + reverse("login"),
            "apply_url": site + reg.call.get_absolute_url(),
            "reset_url": site + reverse("password_reset"),
        },
    )
    return Decided(reg, mailed)


def reject_registration(
    registration: ApplicantRegistration, user: User, *, reason: str, site: str
) -> Decided:
    """Reject a confirmed registration with the reason, which the person receives by e-mail. Its account,
    never switched on, is deleted so the address may register again; the registration is kept."""
    reason = reason.strip()
    if not reason:
        raise Refused(_("Give the reason; the person receives it by e-mail."), field="reason", status=422)
    with transaction.atomic(), _acting(user):
        reg = _locked_for_decision(registration, user)
        account = reg.user
        reg.status = RegistrationStatus.REJECTED
        reg.reason = reason
        reg.decided_at = now()
        reg.decided_by = user
        reg.user = None
        reg.save(update_fields=["status", "reason", "decided_at", "decided_by", "user"])
        if account is not None:
            _delete_unused_account(account)
    mailed = _send(
        reg.email,
        "rejected",
        reg.language,
        {"registration": reg, "call_url": site + reg.call.get_absolute_url()},
    )
    return Decided(reg, mailed)


def _delete_unused_account(account: User) -> bool:
    """Delete an account made by a registration that was never switched on nor used."""
    if (
        account.is_active
        or account.last_login is not None
        or account.memberships.exists()
        or ApplicantRegistration.objects.filter(user=account).exists()
    ):
        return False
    account.delete()
    return True


def clean_expired_registrations(moment: dt.datetime | None = None) -> int:
    """Delete the registrations never confirmed whose link expired, and their unused accounts; how many.

    Only unconfirmed ones: a registration staff approved or rejected is never deleted."""
    moment = moment or now()
    cutoff = moment - dt.timedelta(days=link_days())
    expired = ApplicantRegistration.objects.filter(
        status=RegistrationStatus.UNCONFIRMED, link_sent_at__lt=cutoff
    ).select_related("user")
    count = 0
    with transaction.atomic(), audit.acting(None, via="command", label="clean_registrations"):
        for registration in expired.select_for_update(of=("self",)):
            account = registration.user
            registration.delete()
            if account is not None:
                _delete_unused_account(account)
            count += 1
    return count


# --- e-mails ---------------------------------------------------------------------------------------


def _send(to: str, template: str, language: str, context: dict[str, Any]) -> bool:
    """Send ``calls/email/TEMPLATE.txt`` (its first line the subject) in ``language``; False when the mail
    server did not take it (the reason is logged)."""
    with translation.override(language or settings.LANGUAGE_CODE):
        text = render_to_string(f"calls/email/{template}.txt", context).strip()
    subject, _blank, body = text.partition("\n")
    try:
        EmailMessage(subject.strip(), body.strip() + "\n", to=[to]).send()
    except OSError:  # smtplib's errors are OSErrors, as are a refused connection and a timeout
        logger.exception("the e-mail %r to %s could not be sent", template, to)
        return False
    return True


def send_registration_mail(result: Registered, site: str) -> bool:
    """Send the e-mail ``register_applicant`` or ``resend_registration_mail`` decided on, in the language of
    the request; False when it could not be sent (the registration is kept; it may be sent again)."""
    call = result.call
    context: dict[str, Any] = {
        "call": call,
        "call_url": site + call.get_absolute_url(),
        "email": result.email,
        "days": link_days(),
        "registration": result.registration,
    }
    if result.mail == "confirm" and result.registration is not None:
        token = confirmation_token(result.registration)
        org_slug, slug = call.organisation.slug, call.slug
        context["confirm_url"] = site + reverse("registration_confirm", args=[org_slug, slug, token])
        context["expires_at"] = local(result.registration.expires_at)
    if result.mail == "exists" and result.user is not None:
        uid = urlsafe_base64_encode(force_bytes(result.user.pk))
        token = default_token_generator.make_token(result.user)
        context["login_url"] = site + reverse("login") + "?next=" + call.get_absolute_url()
        context["reset_url"] = site + reverse("password_reset_confirm", args=[uid, token])
        context["username"] = result.user.get_username()
    return _send(result.email, f"registration_{result.mail}", translation.get_language() or "sl", context)


def notify_staff(registration: ApplicantRegistration, site: str) -> int:
    """Tell the editors and admins of the call's organisation that a registration waits for them; how many
    were told. A failure is logged, not shown: the registration is on the call's management page."""
    call = registration.call
    addresses = sorted(
        {
            email
            for email in Membership.objects.filter(
                organisation_id=call.organisation_id,
                role__in=[Role.EDITOR, Role.ADMIN],
                user__is_active=True,
            )
            .exclude(user__email="")
            .values_list("user__email", flat=True)[:50]
        }
    )
    manage_url = site + reverse(
        "registration_decide", args=[call.organisation.slug, call.slug, registration.pk]
    )
    sent = 0
    for address in addresses:
        sent += _send(
            address,
            "registration_staff",
            settings.LANGUAGE_CODE,
            {"registration": registration, "call": call, "decide_url": manage_url},
        )
    return sent
