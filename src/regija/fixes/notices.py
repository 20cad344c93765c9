"""What issue reports tell people (docs/fixes.md): a signed-in reporter directly through notify (in the
list, and by e-mail at once), the report's followers per their channels; an anonymous reporter – who has
no account – by e-mail to the address they gave: the link to confirm the report, then each answer and
change of status, with a link to rate the response once the report is closed. Called by ``services``
inside their transactions; nothing is sent for a step that was rolled back."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from regija.notify import services as notify

from .models import Report, Status

EXCERPT = 300


def _site() -> str:
    return str(getattr(settings, "REGIJA_SITE_URL", "http://127.0.0.1:8000")).rstrip("/")


def _excerpt(text: str) -> str:
    return text if len(text) <= EXCERPT else text[: EXCERPT - 1].rstrip() + "…"


def _mail(address: str, subject: str, body: str) -> None:
    transaction.on_commit(lambda: send_mail(subject, body, None, [address]))


def confirm(report: Report, token: str) -> None:
    """The link that makes an anonymous report public."""
    link = _site() + reverse("fixes:confirm", args=[token])
    with translation.override(settings.LANGUAGE_CODE):
        subject = gettext("Confirm your report: %(service)s") % {"service": report.service.name}
        body = gettext(
            "You reported a problem (%(service)s) to %(organisation)s:\n\n%(text)s\n\n"
            "Open this link within 7 days to confirm the report; only then is it published and handled:\n"
            "%(link)s\n\nIf you did not make this report, ignore this message."
        ) % {
            "service": report.service.name,
            "organisation": report.organisation.name,
            "text": _excerpt(report.description),
            "link": link,
        }
    _mail(report.email, subject, body)


def received(report: Report) -> int:
    """A signed-in reporter: their report is received (and they follow it from now on)."""
    if report.reporter is None:
        return 0
    notify.follow(report.reporter, report, email="immediate")
    return notify.notify(
        [report.reporter],
        "fix_received",
        title=_("Report %(number)s received: %(service)s"),
        body=_excerpt(report.description),
        context={"number": report.pk, "service": report.service.name},
        topic=report,
        url=report.get_absolute_url(),
    )


def handled(report: Report, rate_token: str) -> int:
    """A new status or answer: the reporter directly (an anonymous one by e-mail), followers per their
    channels (the reporter once)."""
    title = _("Report %(number)s is now %(status)s")
    context = {"number": report.pk, "status": Status(report.status).label}
    body = _excerpt(report.answer or report.reason)
    told = 0
    exclude: list[int] = []
    if report.reporter is not None:
        exclude.append(report.reporter.pk)
        told += notify.notify(
            [report.reporter],
            "fix_status",
            title=title,
            body=body,
            context=context,
            topic=report,
            url=report.get_absolute_url(),
        )
    elif report.email:
        link = _site() + report.get_absolute_url()
        with translation.override(settings.LANGUAGE_CODE):
            text = gettext("Report %(number)s is now %(status)s") % {
                "number": report.pk,
                "status": Status(report.status).label,
            }
            lines = [text, "", report.answer or report.reason, "", link]
            if rate_token:
                rate = _site() + reverse("fixes:rate", args=[report.pk, rate_token])
                lines += ["", gettext("How satisfied are you with the response? Rate it (1 to 5):"), rate]
        _mail(report.email, text, "\n".join(lines))
        told += 1
    return told + notify.announce(
        report,
        "fix_status",
        title=title,
        body=body,
        context=context,
        url=report.get_absolute_url(),
        exclude=exclude,
    )
