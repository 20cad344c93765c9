"""A person's profile and verified residency.

One account system serves residents, applicants and staff (Django's ``auth.User``, signed in through
django-allauth). What a resident may do beyond reading depends on two facts kept here and read through
``accounts.selectors``: a **confirmed e-mail address** (allauth's ``EmailAddress``), needed to post
anything, and a **verified residency** in a municipality, needed to support a proposal or vote there.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Profile(models.Model):
    """What a person chose about themselves: the language messages reach them in."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self) -> str:
        return str(self.user)


class ResidencyMethod(models.TextChoices):
    """How a residency was verified."""

    STAFF = "staff", _("checked by the municipality's staff")
    POST = "post", _("code sent by post")
    OIDC = "oidc", _("identity provider's data")


class Residency(models.Model):
    """A person verified as a resident of a municipality (and, where known, of one of its local
    communities, for votes held per local community). At most one current (not revoked) residency per
    person and municipality."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="residencies"
    )
    municipality = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="residencies",
    )
    area = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("local community"),
        on_delete=models.PROTECT,
        related_name="area_residencies",
        null=True,
        blank=True,
    )
    method = models.CharField(_("verified by"), max_length=10, choices=ResidencyMethod.choices)
    verified_at = models.DateTimeField(_("verified at"))
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("verified by staff member"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("residency")
        verbose_name_plural = _("residencies")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality"],
                condition=models.Q(revoked_at__isnull=True),
                name="residency_one_current_per_municipality",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.municipality}"


class ConsentKind(models.TextChoices):
    """The texts a person consents to."""

    TERMS = "terms", _("terms of use")
    PRIVACY = "privacy", _("privacy notice")


class Consent(models.Model):
    """A person's consent to one version of a text (given at sign-up or later; withdrawn when they say
    so). ``text_hash`` is the SHA-256 of the text as it was shown (regija/accounts/consents/)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="consents"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ConsentKind.choices)
    version = models.CharField(_("version"), max_length=40)
    text_hash = models.CharField(_("text's SHA-256"), max_length=64, blank=True)
    given_at = models.DateTimeField(_("given at"))
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)

    class Meta:
        verbose_name = _("consent")
        verbose_name_plural = _("consents")
        ordering = ["-given_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.user} – {self.kind} {self.version}"


class ResidencyRequest(models.Model):
    """A person asks to be verified as a resident of a municipality by a code sent by post to the address
    they give. Staff print the letters (a new one-time code each time; only its hash is kept); the code
    works for ``CODE_DAYS`` days and ``MAX_ATTEMPTS`` wrong codes lock the request."""

    CODE_DAYS = 60
    MAX_ATTEMPTS = 5

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="residency_requests",
    )
    municipality = models.ForeignKey(
        "core.Organisation", verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="+"
    )
    area = models.ForeignKey(
        "core.Organisation",
        verbose_name=_("local community"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    name = models.CharField(_("name on the letter"), max_length=200)
    address = models.CharField(_("street address"), max_length=300)
    postcode = models.CharField(_("post code and town"), max_length=100)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    code_hash = models.CharField(_("code's HMAC"), max_length=128, blank=True)
    letter_at = models.DateTimeField(_("letter printed at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("code expires at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("wrong codes"), default=0)
    locked_at = models.DateTimeField(_("locked at"), null=True, blank=True)
    done_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("residency request")
        verbose_name_plural = _("residency requests")
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.user} – {self.municipality}"

    @property
    def open(self) -> bool:
        return self.done_at is None and self.locked_at is None


class Deletion(models.Model):
    """An account its person deleted: the user row stays (stripped) so what they contributed keeps its
    author, shown as "deleted account"; the reason they gave is kept here."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="deletion"
    )
    deleted_at = models.DateTimeField(_("deleted at"))
    reason = models.CharField(_("reason"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("deleted account")
        verbose_name_plural = _("deleted accounts")

    def __str__(self) -> str:
        return f"{self.user_id} ({self.deleted_at:%Y-%m-%d})"
