"""Changes to a person's profile and residency. Verifying a residency is the municipality's staff's
(editors and admins of the municipality) or follows from a code sent by post or the identity provider's
data (``method``); each is audited."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from regija.core import audit
from regija.core.choices import OrganisationKind
from regija.core.models import Organisation
from regija.core.services import Conflict, Refused, require_permission

from .models import Consent, ConsentKind, Profile, Residency, ResidencyMethod, ResidencyRequest

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django.http import HttpRequest

    from regija.core.permissions import Actor


def set_language(user: User, language: str) -> Profile:
    """The language messages reach the person in."""
    if language not in dict(settings.LANGUAGES):
        raise Refused(_("Unknown language: %(code)s.") % {"code": language}, field="language")
    with audit.acting(user, via="web"), transaction.atomic():
        profile, _created = Profile.objects.get_or_create(user=user)
        profile.language = language
        profile.save(update_fields=["language"])
    return profile


def verify_resident(
    actor: Actor | None,
    user: User,
    municipality: Organisation,
    *,
    method: str = ResidencyMethod.STAFF,
    area: Organisation | None = None,
    note: str = "",
    via: str = "web",
) -> Residency:
    """Record ``user`` as a verified resident of ``municipality`` (and of its local community ``area``).

    ``actor`` is the staff member checking (needs to change the municipality's data); None when the
    verification follows from a postal code the person entered or from the identity provider's data,
    which the caller has checked. A current residency there is replaced (a move within the
    municipality)."""
    if municipality.kind != OrganisationKind.MUNICIPALITY:
        raise Refused(_("Residency is verified for a municipality."), field="municipality")
    if area is not None and area.parent_id != municipality.pk:
        raise Refused(
            _("%(area)s is not a local community of %(municipality)s.")
            % {"area": area, "municipality": municipality},
            field="area",
        )
    if method not in ResidencyMethod.values:
        raise Refused(_("Unknown way of verifying: %(method)s.") % {"method": method}, field="method")
    if actor is not None:
        require_permission(actor, "change", municipality)
    elif method == ResidencyMethod.STAFF:
        raise Refused(_("A staff check needs the staff member who made it."))
    now = timezone.now()
    with audit.acting(actor, via=via), transaction.atomic():
        Residency.objects.filter(user=user, municipality=municipality, revoked_at__isnull=True).update(
            revoked_at=now
        )
        try:
            return Residency.objects.create(
                user=user,
                municipality=municipality,
                area=area,
                method=method,
                verified_at=now,
                verified_by=actor if actor is not None and actor.is_authenticated else None,
                note=note[:300],
            )
        except IntegrityError as error:  # verified at the same moment by another request
            raise Conflict(_("The residency was just verified by someone else.")) from error


def revoke_residency(actor: Actor, residency: Residency, *, via: str = "web") -> Residency:
    """End a residency (moved away, verified by mistake): the person's supports and votes stay counted."""
    require_permission(actor, "change", residency.municipality)
    with audit.acting(actor, via=via), transaction.atomic():
        residency.revoked_at = timezone.now()
        residency.save(update_fields=["revoked_at"])
    return residency


# --- consents ----------------------------------------------------------------------------------------

CONSENT_DIR = Path(__file__).resolve().parent / "consents"


def consent_text(kind: str, version: str | None = None) -> tuple[str, str, str]:
    """(version, text, SHA-256 of the text) of a consent's text as it is shown (regija/accounts/consents/
    KIND-VERSION.md); the current version from REGIJA_CONSENT_VERSIONS when not given."""
    version = version or settings.REGIJA_CONSENT_VERSIONS[kind]
    path = CONSENT_DIR / f"{kind}-{version}.md"
    text = path.read_text(encoding="utf-8") if path.exists() else ""
    return version, text, hashlib.sha256(text.encode()).hexdigest() if text else ""


def give_consent(user: User, kind: str, *, version: str | None = None, via: str = "web") -> Consent:
    """Record that ``user`` consents to the current version of ``kind`` (an earlier one stays on record)."""
    if kind not in ConsentKind.values:
        raise Refused(_("Unknown consent: %(kind)s.") % {"kind": kind}, field="kind")
    version, _text, digest = consent_text(kind, version)
    with audit.acting(user, via=via), transaction.atomic():
        existing = Consent.objects.filter(
            user=user, kind=kind, version=version, withdrawn_at__isnull=True
        ).first()
        if existing is not None:
            return existing
        return Consent.objects.create(
            user=user, kind=kind, version=version, text_hash=digest, given_at=timezone.now()
        )


def withdraw_consent(user: User, kind: str, *, via: str = "web") -> int:
    """Withdraw every consent in force of ``kind``; the records stay with the time of withdrawal."""
    with audit.acting(user, via=via), transaction.atomic():
        now = timezone.now()
        changed = 0
        for consent in Consent.objects.filter(user=user, kind=kind, withdrawn_at__isnull=True):
            consent.withdrawn_at = now
            consent.save(update_fields=["withdrawn_at"])
            changed += 1
    return changed


def record_sign_up(user: User, language: str) -> None:
    """A new account (allauth's sign-up form): its language and the consents given on the form."""
    if language not in dict(settings.LANGUAGES):
        language = settings.LANGUAGE_CODE
    with audit.acting(user, via="web"), transaction.atomic():
        Profile.objects.update_or_create(user=user, defaults={"language": language})
        for kind in ConsentKind.values:
            give_consent(user, kind)


def mark_email_confirmed(user: User, email: str) -> None:
    """The person proved they read ``email`` (a link we sent there was opened): allauth's EmailAddress
    is confirmed, so they may sign in and post with it (used by the calls' applicant registration)."""
    from allauth.account.models import EmailAddress

    email = email.strip()
    with transaction.atomic():
        address = EmailAddress.objects.filter(user=user, email__iexact=email).first()
        if address is None:
            primary = not EmailAddress.objects.filter(user=user, primary=True).exists()
            EmailAddress.objects.create(user=user, email=email, verified=True, primary=primary)
        elif not address.verified:
            address.verified = True
            address.save(update_fields=["verified"])


# --- anti-spam ---------------------------------------------------------------------------------------


def check_contribution_allowed(user: Actor | None, request: HttpRequest | None = None) -> None:
    """Before anything a person posts (a comment, a proposal, a support, a vote): ``Refused`` when they
    are not signed in, their e-mail address is not confirmed, or they posted more than
    REGIJA_CONTRIBUTION_LIMIT times in the last hour (per account, and per address when ``request``
    is given), with status 429."""
    from django.core.cache import cache

    from regija.core import throttle

    from .selectors import can_contribute

    if user is None or not user.is_authenticated:
        raise Refused(_("Sign in to take part."), status=401)
    if not can_contribute(user):
        raise Refused(
            _("Confirm your e-mail address first: open the link we sent you, or send it again at /racun/."),
            status=403,
        )
    limit = int(getattr(settings, "REGIJA_CONTRIBUTION_LIMIT", 30))
    window = int(timezone.now().timestamp() // 3600)
    key = f"contribution:{user.pk}:{window}"
    cache.add(key, 0, 3600)
    try:
        count = cache.incr(key)
    except ValueError:
        cache.set(key, 1, 3600)
        count = 1
    too_many = count > limit
    if request is not None and not throttle.allow(request, "contribution", limit * 3):
        too_many = True
    if too_many:
        raise Refused(
            _("You have posted %(limit)s times in the last hour; please wait a while before posting again.")
            % {"limit": limit},
            status=429,
        )


# --- residency by a code sent by post ----------------------------------------------------------------

CODE_ALPHABET = "ACDEFHJKLMNPRTUVWXY34679"  # no look-alikes (0/O, 1/I/L, 2/Z, 5/S, 8/B)


def _code_hash(code: str) -> str:
    clean = "".join(c for c in code.upper() if c.isalnum())
    return hmac.new(settings.SECRET_KEY.encode(), f"residency|{clean}".encode(), hashlib.sha256).hexdigest()


def request_residency(
    user: User,
    municipality: Organisation,
    *,
    name: str,
    address: str,
    postcode: str,
    area: Organisation | None = None,
) -> ResidencyRequest:
    """The person asks for a code by post to their address in ``municipality``."""
    from .selectors import can_contribute

    if not can_contribute(user):
        raise Refused(_("Confirm your e-mail address first: open the link we sent you."), status=403)
    if municipality.kind != OrganisationKind.MUNICIPALITY:
        raise Refused(_("Residency is verified for a municipality."), field="municipality")
    if area is not None and area.parent_id != municipality.pk:
        raise Refused(
            _("%(area)s is not a local community of %(municipality)s.")
            % {"area": area, "municipality": municipality},
            field="area",
        )
    values = {"name": name.strip(), "address": address.strip(), "postcode": postcode.strip()}
    for field, value in values.items():
        if not value:
            raise Refused(_("This field is required."), field=field)
    if len(values["name"]) > 200 or len(values["address"]) > 300 or len(values["postcode"]) > 100:
        raise Refused(_("The address is too long for a letter."), field="address")
    with audit.acting(user, via="web"), transaction.atomic():
        if ResidencyRequest.objects.filter(
            user=user, municipality=municipality, done_at__isnull=True, locked_at__isnull=True
        ).exists():
            raise Conflict(_("You have already asked for a code in this municipality; it comes by post."))
        return ResidencyRequest.objects.create(user=user, municipality=municipality, area=area, **values)


def print_letters(actor: Actor, requests: list[ResidencyRequest]) -> list[tuple[ResidencyRequest, str]]:
    """A new one-time code for each request (only its hash is kept; an earlier letter's code stops
    working), valid for 60 days: the rows of the letters to print. The staff member must be an editor or
    admin of each request's municipality."""
    for item in requests:
        require_permission(actor, "change", item.municipality)
    out = []
    now = timezone.now()
    with audit.acting(actor, via="web"), transaction.atomic():
        for item in requests:
            if not item.open:
                continue
            code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _i in range(4)) for _j in range(3))
            item.code_hash = _code_hash(code)
            item.letter_at = now
            item.expires_at = now + dt.timedelta(days=ResidencyRequest.CODE_DAYS)
            item.attempts = 0
            item.save(update_fields=["code_hash", "letter_at", "expires_at", "attempts"])
            out.append((item, code))
    return out


def enter_code(user: User, code: str) -> Residency:
    """The person types the code from the letter: verified as a resident of the request's municipality.
    A wrong code counts against each of their letters; the fifth locks them (staff may send a new one)."""
    digest = _code_hash(code)
    now = timezone.now()
    with audit.acting(user, via="web"), transaction.atomic():
        letters = list(
            ResidencyRequest.objects.select_for_update(of=("self",))  # not the nullable area's row
            .filter(user=user, done_at__isnull=True, locked_at__isnull=True, letter_at__isnull=False)
            .select_related("municipality", "area")
        )
        if not letters:
            raise Refused(_("There is no letter with a code on its way to you."), field="code")
        match = next((r for r in letters if hmac.compare_digest(r.code_hash, digest)), None)
        if match is not None:
            if match.expires_at is not None and match.expires_at < now:
                raise Refused(
                    _("This code has expired (a code works for %(days)s days). Ask for a new letter.")
                    % {"days": ResidencyRequest.CODE_DAYS},
                    field="code",
                )
            residency = verify_resident(
                None, user, match.municipality, method=ResidencyMethod.POST, area=match.area
            )
            match.done_at = now
            match.save(update_fields=["done_at"])
            return residency
        locked = False
        for item in letters:
            item.attempts += 1
            if item.attempts >= ResidencyRequest.MAX_ATTEMPTS:
                item.locked_at = now
                locked = True
            item.save(update_fields=["attempts", "locked_at"])
    if locked:
        raise Refused(
            _("Too many wrong codes: the code no longer works. Ask the municipality for a new letter."),
            field="code",
        )
    left = ResidencyRequest.MAX_ATTEMPTS - max(item.attempts for item in letters)
    raise Refused(
        _("This is not the code from your letter. Tries left: %(left)s.") % {"left": left}, field="code"
    )


# --- residency from an identity provider's claims ----------------------------------------------------


def residency_from_claims(
    user: User, provider_settings: dict[str, Any], claims: dict[str, Any]
) -> Residency | None:
    """A provider marked ``trusted_for_residency`` names the person's municipality in the claim
    ``residency_claim`` (its registration number or name; an address claim's ``locality``), and
    optionally the local community in ``area_claim``: the person is verified there (method "oidc")."""
    if not provider_settings.get("trusted_for_residency") or not provider_settings.get("residency_claim"):
        return None
    value = claims.get(provider_settings["residency_claim"])
    if isinstance(value, dict):  # an OIDC address claim
        value = value.get("locality") or value.get("region")
    if not value:
        return None
    value = str(value).strip()
    municipalities = Organisation.objects.filter(kind=OrganisationKind.MUNICIPALITY)
    municipality = (
        municipalities.filter(registration_number=value).first()
        or municipalities.filter(name__iexact=value).first()
        or municipalities.filter(short_name__iexact=value).first()
    )
    if municipality is None:
        return None
    area = None
    if provider_settings.get("area_claim") and claims.get(provider_settings["area_claim"]):
        area = Organisation.objects.filter(
            parent=municipality, name__iexact=str(claims[provider_settings["area_claim"]]).strip()
        ).first()
    current = Residency.objects.filter(user=user, municipality=municipality, revoked_at__isnull=True).first()
    if current is not None and current.area_id == (area.pk if area else None):
        return current
    return verify_resident(None, user, municipality, method=ResidencyMethod.OIDC, area=area, via="oidc")


# --- GDPR: my data, and deleting my account ----------------------------------------------------------


def _iso(value: Any) -> Any:
    return value.isoformat() if value is not None and hasattr(value, "isoformat") else value


def export_data(user: User) -> dict[str, Any]:
    """All Regija holds about ``user`` (and nothing about anyone else): the account, profile, e-mail
    addresses, residencies and requests by post, consents, sign-in providers, two-factor methods (their
    kind, never their secrets), and what other apps registered (``accounts.personal_data``)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from . import personal_data

    profile = Profile.objects.filter(user=user).first()
    data: dict[str, Any] = {
        "format": "regija-personal-data/1",
        "exported_at": timezone.now().isoformat(),
        "account": {
            "username": user.username,
            "email": user.email,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "date_joined": _iso(user.date_joined),
            "last_login": _iso(user.last_login),
        },
        "profile": {"language": profile.language if profile else settings.LANGUAGE_CODE},
        "emails": [
            {"email": e.email, "verified": e.verified, "primary": e.primary}
            for e in EmailAddress.objects.filter(user=user).order_by("pk")
        ],
        "residencies": [
            {
                "municipality": r.municipality.name,
                "local_community": r.area.name if r.area else None,
                "method": r.method,
                "verified_at": _iso(r.verified_at),
                "revoked_at": _iso(r.revoked_at),
            }
            for r in Residency.objects.filter(user=user).select_related("municipality", "area").order_by("pk")
        ],
        "residency_requests": [
            {
                "municipality": r.municipality.name,
                "name": r.name,
                "address": r.address,
                "postcode": r.postcode,
                "asked_at": _iso(r.created_at),
                "letter_at": _iso(r.letter_at),
                "verified_at": _iso(r.done_at),
                "locked_at": _iso(r.locked_at),
            }
            for r in ResidencyRequest.objects.filter(user=user).select_related("municipality").order_by("pk")
        ],
        "consents": [
            {
                "kind": c.kind,
                "version": c.version,
                "text_sha256": c.text_hash,
                "given_at": _iso(c.given_at),
                "withdrawn_at": _iso(c.withdrawn_at),
            }
            for c in Consent.objects.filter(user=user).order_by("pk")
        ],
        "sign_in_providers": [
            {"provider": s.provider, "uid": s.uid, "last_login": _iso(s.last_login), "claims": s.extra_data}
            for s in SocialAccount.objects.filter(user=user).order_by("pk")
        ],
        "two_factor": [
            {"type": a.type, "created_at": _iso(a.created_at), "last_used_at": _iso(a.last_used_at)}
            for a in Authenticator.objects.filter(user=user).order_by("pk")
        ],
    }
    for source in personal_data.sources():
        if source.export is not None:
            data[source.name] = source.export(user)
    return data


def delete_account(user: User, *, reason: str = "", via: str = "web") -> None:
    """The person deletes their account. What they contributed stays, shown as by a deleted account
    (each app's erase hook anonymises its part); the user row stays for that, deactivated and stripped:
    username "izbrisan-<id>", no e-mail or name, a password that never matches, no e-mail addresses,
    identity providers, two-factor methods, API tokens, residencies, requests or profile. The reason they
    gave is kept (``Deletion``)."""
    from allauth.account.models import EmailAddress
    from allauth.mfa.models import Authenticator
    from allauth.socialaccount.models import SocialAccount

    from regija.core.models import ApiToken, Membership

    from . import personal_data
    from .models import Deletion

    if Deletion.objects.filter(user=user).exists():
        raise Conflict(_("This account is already deleted."))
    with audit.acting(user, via=via), transaction.atomic():
        for source in personal_data.sources():
            if source.erase is not None:
                source.erase(user)
        EmailAddress.objects.filter(user=user).delete()
        SocialAccount.objects.filter(user=user).delete()
        Authenticator.objects.filter(user=user).delete()
        ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        Membership.objects.filter(user=user).delete()
        ResidencyRequest.objects.filter(user=user).delete()
        Residency.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=timezone.now())
        Profile.objects.filter(user=user).delete()
        Deletion.objects.create(user=user, deleted_at=timezone.now(), reason=reason.strip()[:500])
        user.username = f"izbrisan-{user.pk}"
        user.email = ""
        user.first_name = ""
        user.last_name = ""
        user.is_active = False
        user.is_staff = False
        user.is_superuser = False
        user.set_unusable_password()
        user.save()
