"""What the rest of Regija calls to tell people things, and what a person changes about what they hear.

- ``follow`` / ``unfollow`` / ``set_preferences``: a person's own subscriptions (nobody else's).
- ``notify(recipients, kind, …)``: a notice to given people without a subscription (an applicant: the
  application received, decided, a claim paid) – in the list and by e-mail at once, in their language.
- ``announce(topic, kind, …)``: to everyone following ``topic``, per their channels (e-mail at once or in
  their daily or weekly digest).
- ``issue_alert`` / ``cancel_alert``: an alert for an area, by the staff of the area's municipality, to
  everyone following the area (and its municipality, for a local community) at once, on every channel
  they enabled, with priority; a banner while it is active.

Texts are given as translatable strings (``gettext_lazy``) with ``%(name)s`` placeholders filled from
``context``; each recipient's copy is rendered in their language (``accounts.selectors.language_of``).
The sending itself runs in Huey (``notify.tasks``). See docs/notifications.md.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Model
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from regija.core import audit
from regija.core.choices import OrganisationKind
from regija.core.models import Membership, Organisation
from regija.core.services import Forbidden, Refused, require, require_permission

from . import topics
from .models import (
    Alert,
    Attachment,
    Channel,
    Delivery,
    DeliveryStatus,
    EmailMode,
    Notification,
    Preference,
    PushSubscription,
    Severity,
    Subscription,
    Webhook,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from regija.core.permissions import Actor

BATCH = 500  # deliveries per Huey task (one SMTP connection each)
UNSUBSCRIBE_SALT = "regija.notify.unsubscribe"
LANGUAGES = [code for code, _name in settings.LANGUAGES]


# --- a person's subscriptions -------------------------------------------------------------------------


def _signed_in(user: Actor | None) -> User:
    if user is None or not user.is_authenticated or not user.is_active:
        raise Forbidden(_("Sign in to follow topics."))
    return user


def _check_modes(email: str | None) -> None:
    if email is not None and email not in EmailMode.values:
        raise Refused(_("Unknown e-mail choice: %(value)s.") % {"value": email}, field="email")


def follow(
    user: Actor,
    topic: Model,
    *,
    email: str | None = None,
    in_app: bool | None = None,
    push: bool | None = None,
    via: str = "web",
) -> Subscription:
    """Follow ``topic`` (one the person may read); a daily digest by e-mail and the in-app list unless
    they choose otherwise. Following again keeps the subscription and applies the choices given."""
    from regija.core.permissions import can

    person = _signed_in(user)
    if not topics.followable(topic):
        raise Refused(_("This cannot be followed."), field="topic")
    require(can(person, "view", topic))
    _check_modes(email)
    ct, oid = topics.key(topic)
    with audit.acting(person, via=via), transaction.atomic():
        sub, created = Subscription.objects.get_or_create(user=person, content_type_id=ct, object_id=oid)
        if _apply(sub, email, in_app, push):
            sub.save()
    return sub


def _apply(sub: Subscription, email: str | None, in_app: bool | None, push: bool | None) -> bool:
    changed = False
    for field, value in (("email", email), ("in_app", in_app), ("push", push)):
        if value is not None and getattr(sub, field) != value:
            setattr(sub, field, value)
            changed = True
    return changed


def unfollow(user: Actor, topic: Model, *, via: str = "web") -> bool:
    """Stop following ``topic``; False when the person did not follow it."""
    person = _signed_in(user)
    ct, oid = topics.key(topic)
    with audit.acting(person, via=via), transaction.atomic():
        subs = list(Subscription.objects.filter(user=person, content_type_id=ct, object_id=oid))
        for sub in subs:
            sub.delete()
    return bool(subs)


def set_preferences(
    user: Actor,
    subscription: Subscription,
    *,
    email: str | None = None,
    in_app: bool | None = None,
    push: bool | None = None,
    via: str = "web",
) -> Subscription:
    """Change how the person hears of one topic they follow – only their own."""
    person = _signed_in(user)
    require(subscription.user_id == person.pk)
    _check_modes(email)
    with audit.acting(person, via=via), transaction.atomic():
        if _apply(subscription, email, in_app, push):
            subscription.save()
    return subscription


def set_direct_email(user: Actor, on: bool) -> Preference:
    """Whether notices about the person's own applications also come by e-mail (they stay in the list)."""
    person = _signed_in(user)
    pref, _created = Preference.objects.get_or_create(user=person)
    if pref.direct_email != on:
        pref.direct_email = on
        pref.save(update_fields=["direct_email"])
    return pref


def mark_read(user: Actor, ids: Iterable[int] | None = None) -> int:
    """Mark the person's notifications read (all unread ones when ``ids`` is None); how many."""
    person = _signed_in(user)
    qs = Notification.objects.filter(user=person, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(pk__in=list(ids))
    return qs.update(read_at=timezone.now())


# --- push subscriptions -------------------------------------------------------------------------------


def add_push_subscription(
    user: Actor, *, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Keep a browser's push endpoint for the person (again from the same browser: replaced)."""
    person = _signed_in(user)
    if (
        not endpoint.startswith("https://")
        and not settings.DEBUG
        and not getattr(settings, "REGIJA_PUSH_ALLOW_HTTP", False)
    ):
        raise Refused(_("A push endpoint is an https address."), field="endpoint")
    if not p256dh or not auth:
        raise Refused(_("The browser's keys are missing."), field="keys")
    with transaction.atomic():
        sub, _created = PushSubscription.objects.update_or_create(
            endpoint=endpoint[:1000],
            defaults={
                "user": person,
                "p256dh": p256dh[:200],
                "auth": auth[:100],
                "user_agent": user_agent[:300],
            },
        )
    return sub


def remove_push_subscription(user: Actor, pk: int) -> bool:
    person = _signed_in(user)
    deleted, _rows = PushSubscription.objects.filter(user=person, pk=pk).delete()
    return bool(deleted)


# --- rendering ----------------------------------------------------------------------------------------


def _render(text: str | Promise, context: Mapping[str, Any] | None) -> str:
    """``text`` in the active language, its placeholders filled (lazy values rendered in it too)."""
    values = {k: (str(v) if isinstance(v, Promise) else v) for k, v in (context or {}).items()}
    raw = str(text)
    return raw % values if values else raw


def render_all(
    title: str | Promise, body: str | Promise, context: Mapping[str, Any] | None
) -> dict[str, tuple[str, str]]:
    """The title and body in every language of the site."""
    out = {}
    for lang in LANGUAGES:
        with translation.override(lang):
            out[lang] = (_render(title, context)[:300], _render(body, context))
    return out


def _languages(user_ids: Iterable[int]) -> dict[int, str]:
    from regija.accounts.models import Profile

    return dict(Profile.objects.filter(user_id__in=list(user_ids)).values_list("user_id", "language"))


# --- sending ------------------------------------------------------------------------------------------

# A file for a notification's e-mail: (file name, content, MIME type), e.g.
# ("dogodek-7.ics", b"BEGIN:VCALENDAR…", "text/calendar; method=PUBLISH") – a text is sent as UTF-8.
File = tuple[str, bytes | str, str]


def _recipients(recipients: Iterable[User] | Organisation | User | None) -> list[int]:
    """User ids: the people given, or the editors and admins of an organisation (an applicant)."""
    if recipients is None:
        return []
    if isinstance(recipients, Organisation):
        return list(
            Membership.objects.filter(
                organisation=recipients, user__is_active=True, role__in=["editor", "admin"]
            )
            .values_list("user_id", flat=True)
            .distinct()
        )
    if isinstance(recipients, get_user_model()):
        return [recipients.pk]
    return sorted({u.pk for u in recipients if u is not None and u.is_active})  # type: ignore[union-attr]


def notify(
    recipients: Iterable[User] | Organisation | User | None,
    kind: str,
    *,
    title: str | Promise,
    body: str | Promise = "",
    context: Mapping[str, Any] | None = None,
    topic: Model | None = None,
    url: str = "",
    priority: bool = False,
    attachments: Callable[[str], Sequence[File]] | None = None,
    language: str = "",
) -> int:
    """Tell these people (or an organisation's editors and admins) directly, without a subscription: in
    their list and by e-mail at once (unless they turned off such e-mail), each in their language – the
    one of their profile, else ``language``, else the site's. ``attachments(language)`` gives the files
    their e-mail carries (called once per language of the recipients). Sent after the surrounding
    transaction commits; how many people."""
    user_ids = _recipients(recipients)
    if not user_ids:
        return 0
    texts = render_all(title, body, context)
    ct, oid = topics.key(topic) if topic is not None else (None, None)
    langs = _languages(user_ids)
    no_mail = set(
        Preference.objects.filter(user_id__in=user_ids, direct_email=False).values_list("user_id", flat=True)
    )
    default = settings.LANGUAGE_CODE
    fallback = language if language in texts else default
    rows = []
    row_languages = []
    for uid in user_ids:
        lang = langs.get(uid) or fallback
        lang = lang if lang in texts else default
        row_languages.append(lang)
        t, b = texts[lang]
        rows.append(
            Notification(
                user_id=uid,
                kind=kind,
                content_type_id=ct,
                object_id=oid,
                title=t,
                body=b,
                url=url,
                priority=priority,
                email=EmailMode.OFF if uid in no_mail else EmailMode.IMMEDIATE,
                attached=attachments is not None,
            )
        )
    _queue(rows, push_users=set(), attachments=attachments, languages=row_languages)
    return len(user_ids)


def _queue(
    rows: list[Notification],
    *,
    push_users: set[int],
    alert: Alert | None = None,
    attachments: Callable[[str], Sequence[File]] | None = None,
    languages: Sequence[str] = (),
) -> list[int]:
    """Store the notifications (with their e-mail's files, rendered once per language), a delivery for
    each one e-mailed at once or pushed, and queue them."""
    from . import tasks

    created = Notification.objects.bulk_create(rows, batch_size=2000)
    if attachments is not None:
        files: dict[str, Sequence[File]] = {}
        stored = []
        for n, lang in zip(created, languages, strict=True):
            if lang not in files:
                with translation.override(lang):
                    files[lang] = list(attachments(lang))
            stored += [
                Attachment(
                    notification=n,
                    name=name[:200],
                    mimetype=mimetype[:200],
                    content=content.encode() if isinstance(content, str) else content,
                )
                for name, content, mimetype in files[lang]
            ]
        Attachment.objects.bulk_create(stored, batch_size=2000)
    deliveries = []
    for n in created:
        if n.email == EmailMode.IMMEDIATE:
            deliveries.append(
                Delivery(
                    channel=Channel.EMAIL,
                    user_id=n.user_id,
                    notification_id=n.pk,
                    priority=n.priority,
                    alert=alert,
                )
            )
        if n.user_id in push_users:
            deliveries.append(
                Delivery(
                    channel=Channel.PUSH,
                    user_id=n.user_id,
                    notification_id=n.pk,
                    priority=n.priority,
                    alert=alert,
                )
            )
    made = Delivery.objects.bulk_create(deliveries, batch_size=2000)
    ids = {
        Channel.EMAIL: [d.pk for d in made if d.channel == Channel.EMAIL],
        Channel.PUSH: [d.pk for d in made if d.channel == Channel.PUSH],
    }

    def enqueue() -> None:
        for chunk in _chunks(ids[Channel.EMAIL]):
            tasks.send_emails(chunk, priority=tasks.ALERT_PRIORITY if alert else None)
        for chunk in _chunks(ids[Channel.PUSH]):
            tasks.send_pushes(chunk, priority=tasks.ALERT_PRIORITY if alert else None)

    transaction.on_commit(enqueue)
    return [d.pk for d in made]


def _chunks(ids: list[int]) -> Iterable[list[int]]:
    for i in range(0, len(ids), BATCH):
        yield ids[i : i + BATCH]


def announce(
    topic: Model,
    kind: str,
    *,
    title: str | Promise,
    body: str | Promise = "",
    context: Mapping[str, Any] | None = None,
    url: str = "",
    priority: bool = False,
    organisation: Organisation | None = None,
    exclude: Iterable[int] = (),
    also: Iterable[Model] = (),
) -> int:
    """Tell everyone following ``topic``, per their channels: the in-app list, e-mail at once or in their
    daily or weekly digest, push – and everyone following a topic in ``also`` (each person once), but
    the people whose ids are in ``exclude`` (told otherwise).
    ``organisation``'s webhooks (the topic's, when it is an organisation) get the event too. How many
    followers."""
    texts = render_all(title, body, context)
    ct, oid = topics.key(topic)
    count = fan_out(
        texts,
        kind=kind,
        topics_=[(ct, oid), *(topics.key(t) for t in also)],
        url=url or topics.url_of(topic),
        priority=priority,
        alert=None,
        exclude=exclude,
    )
    org = organisation or (topic if isinstance(topic, Organisation) else None)
    if org is not None:
        queue_webhooks(
            org,
            kind,
            {
                "topic": {"type": topics.label_of(topic), "id": topic.pk},
                "url": url,
                "title": texts[LANGUAGES[0]][0],
                "text": texts[LANGUAGES[0]][1],
            },
        )
    return count


def fan_out(
    texts: Mapping[str, tuple[str, str]],
    *,
    kind: str,
    topics_: list[tuple[int, int]],
    url: str,
    priority: bool,
    alert: Alert | None,
    exclude: Iterable[int] = (),
) -> int:
    """A notification to every active follower of any of ``topics_`` (each person once, through their
    first subscription), e-mail and push per their subscription; an alert e-mails at once whoever gets
    e-mail at all. Set-based: three INSERT … SELECT statements, whatever the number of followers, then
    the sending jobs queued in batches; how many notifications."""
    from django.db import connection

    from . import tasks

    moment = connection.ops.adapt_datetimefield_value(timezone.now())
    default = settings.LANGUAGE_CODE
    where_topics = " OR ".join(["(content_type_id = %s AND object_id = %s)"] * len(topics_))
    topic_params: list[Any] = [v for pair in topics_ for v in pair]
    title_case = "CASE " + " ".join("WHEN p.language = %s THEN %s" for _lang in LANGUAGES) + " ELSE %s END"
    title_params: list[Any] = [v for lang in LANGUAGES for v in (lang, texts[lang][0])] + [texts[default][0]]
    body_params: list[Any] = [v for lang in LANGUAGES for v in (lang, texts[lang][1])] + [texts[default][1]]
    email_expr = "CASE WHEN s.email <> %s THEN %s ELSE s.email END" if alert is not None else "s.email"
    email_params: list[Any] = [EmailMode.OFF, EmailMode.IMMEDIATE] if alert is not None else []
    excluded = sorted({int(pk) for pk in exclude})
    not_excluded = f" AND s.user_id NOT IN ({', '.join(['%s'] * len(excluded))})" if excluded else ""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM notify_notification")
        before = cursor.fetchone()[0]
        cursor.execute(
            # only fixed fragments and "%s" placeholders are formatted in; every value is a parameter
            f"""INSERT INTO notify_notification (user_id, kind, content_type_id, object_id, title, body, url,
                    priority, shown, email, subscription_id, alert_id, created_at)
                SELECT s.user_id, %s, s.content_type_id, s.object_id, {title_case}, {title_case}, %s, %s,
                    s.in_app, {email_expr}, s.id, %s, %s
                FROM notify_subscription s
                JOIN auth_user u ON u.id = s.user_id
                LEFT JOIN accounts_profile p ON p.user_id = s.user_id
                WHERE s.id IN (SELECT MIN(id) FROM notify_subscription WHERE {where_topics} GROUP BY user_id)
                  AND u.is_active AND (s.in_app OR s.email <> %s OR s.push OR %s){not_excluded}
                ORDER BY s.user_id""",  # noqa: S608 - our SQL; values are parameters
            [
                kind,
                *title_params,
                *body_params,
                url,
                priority,
                *email_params,
                alert.pk if alert else None,
                moment,
                *topic_params,
                EmailMode.OFF,
                False,
                *excluded,
            ],
        )
        count = cursor.rowcount
        new_rows = "n.id > %s AND n.created_at = %s AND n.kind = %s"
        common = [before, moment, kind]
        cursor.execute(
            f"""INSERT INTO notify_delivery (channel, user_id, notification_id, digest, alert_id, priority,
                    status, attempts, last_error, created_at)
                SELECT %s, n.user_id, n.id, '', n.alert_id, n.priority, %s, 0, '', %s
                FROM notify_notification n WHERE {new_rows} AND n.email = %s ORDER BY n.id""",  # noqa: S608 - our SQL; values are parameters
            [Channel.EMAIL, DeliveryStatus.QUEUED, moment, *common, EmailMode.IMMEDIATE],
        )
        cursor.execute(
            f"""INSERT INTO notify_delivery (channel, user_id, notification_id, digest, alert_id, priority,
                    status, attempts, last_error, created_at)
                SELECT %s, n.user_id, n.id, '', n.alert_id, n.priority, %s, 0, '', %s
                FROM notify_notification n JOIN notify_subscription s ON s.id = n.subscription_id
                WHERE {new_rows} AND s.push ORDER BY n.id""",  # noqa: S608 - our SQL; values are parameters
            [Channel.PUSH, DeliveryStatus.QUEUED, moment, *common],
        )
        cursor.execute(
            f"""SELECT d.id, d.channel FROM notify_delivery d JOIN notify_notification n
                ON n.id = d.notification_id WHERE {new_rows} ORDER BY d.id""",  # noqa: S608 - our SQL; values are parameters
            common,
        )
        made = cursor.fetchall()
    emails = [pk for pk, channel in made if channel == Channel.EMAIL]
    pushes = [pk for pk, channel in made if channel == Channel.PUSH]
    job_priority = tasks.ALERT_PRIORITY if alert is not None else None

    def enqueue() -> None:
        for chunk in _chunks(emails):
            tasks.send_emails(chunk, priority=job_priority)
        for chunk in _chunks(pushes):
            tasks.send_pushes(chunk, priority=job_priority)

    transaction.on_commit(enqueue)
    return int(count)


def queue_webhooks(organisation: Organisation, kind: str, data: dict[str, Any]) -> int:
    """An event to each active webhook of the organisation that takes this kind; how many."""
    from . import tasks

    hooks = [
        h
        for h in Webhook.objects.filter(organisation=organisation, active=True)
        if not h.kinds or kind in h.kinds
    ]
    if not hooks:
        return 0
    moment = timezone.now()
    made = Delivery.objects.bulk_create(
        [
            Delivery(
                channel=Channel.WEBHOOK,
                webhook=h,
                payload={
                    "kind": kind,
                    "organisation": organisation.slug,
                    "created": moment.isoformat(),
                    **data,
                },
            )
            for h in hooks
        ]
    )
    ids = [d.pk for d in made]
    transaction.on_commit(lambda: tasks.send_webhooks(ids))
    return len(ids)


# --- alerts -------------------------------------------------------------------------------------------


def municipality_of(area: Organisation) -> Organisation:
    """The municipality whose staff issue alerts for ``area`` (the area itself, or a local community's
    parent)."""
    if area.kind == OrganisationKind.MUNICIPALITY:
        return area
    if area.kind == OrganisationKind.LOCAL_COMMUNITY and area.parent is not None:
        return area.parent
    raise Refused(_("An alert is issued for a municipality or a local community."), field="area")


def issue_alert(
    actor: Actor,
    area: Organisation,
    *,
    title_sl: str,
    title_en: str = "",
    body_sl: str = "",
    body_en: str = "",
    severity: str = Severity.WARNING,
    starts_at: dt.datetime | None = None,
    ends_at: dt.datetime | None = None,
    via: str = "web",
) -> Alert:
    """Issue an alert for ``area`` (the staff of its municipality): everyone following the area – and its
    municipality when the area is a local community – hears of it at once on every channel they enabled;
    the portal shows it as a banner from ``starts_at`` until ``ends_at`` or its cancellation."""
    municipality = municipality_of(area)
    require_permission(actor, "change", municipality)
    if not title_sl.strip():
        raise Refused(_("Give the alert's title in Slovenian."), field="title_sl")
    if severity not in Severity.values:
        raise Refused(_("Unknown severity: %(value)s.") % {"value": severity}, field="severity")
    start = starts_at or timezone.now()
    if ends_at is not None and ends_at <= start:
        raise Refused(_("The alert ends after it starts."), field="ends_at")
    with audit.acting(actor, via=via), transaction.atomic():
        alert = Alert.objects.create(
            organisation=municipality,
            area=area,
            title_sl=title_sl.strip()[:200],
            title_en=title_en.strip()[:200],
            body_sl=body_sl.strip(),
            body_en=body_en.strip(),
            severity=severity,
            starts_at=start,
            ends_at=ends_at,
            created_by=actor if actor.is_authenticated else None,
        )
        queue_webhooks(
            municipality,
            "alert",
            {
                "alert": alert.pk,
                "area": area.slug,
                "title": alert.title_sl,
                "text": alert.body_sl,
                "severity": severity,
            },
        )
    from . import selectors, tasks

    selectors.forget_alerts()
    transaction.on_commit(lambda: tasks.alert_fan_out(alert.pk))
    return alert


def alert_topics(area: Organisation) -> list[tuple[int, int]]:
    """The topics whose followers hear of an alert for ``area``: the area and, for a local community, its
    municipality."""
    keys = [topics.key(area)]
    if area.kind == OrganisationKind.LOCAL_COMMUNITY and area.parent_id:
        keys.append((keys[0][0], int(area.parent_id)))
    return keys


def send_alert(alert: Alert) -> int:
    """The alert's notifications and deliveries (run by the Huey task ``alert_fan_out``)."""
    texts = {}
    for lang in LANGUAGES:
        texts[lang] = (alert.title(lang), alert.body(lang))
    count = fan_out(
        texts,
        kind="alert",
        topics_=alert_topics(alert.area),
        url=topics.url_of(alert.area),
        priority=True,
        alert=alert,
    )
    Alert.objects.filter(pk=alert.pk).update(recipients=count)
    return count


def cancel_alert(actor: Actor, alert: Alert, *, via: str = "web") -> Alert:
    """End an alert now: its banner goes; what was sent stays sent."""
    require_permission(actor, "change", alert.organisation)
    if alert.cancelled_at is not None:
        raise Refused(_("The alert was already cancelled."))
    with audit.acting(actor, via=via), transaction.atomic():
        alert.cancelled_at = timezone.now()
        alert.save(update_fields=["cancelled_at"])
    from . import selectors

    selectors.forget_alerts()
    return alert


# --- deliveries: staff's retry ------------------------------------------------------------------------


def may_see_deliveries(user: Actor) -> bool:
    """The delivery log (addresses of people) is for superusers and Django staff."""
    return bool(user.is_authenticated and user.is_active and (user.is_superuser or user.is_staff))


def retry(actor: Actor, delivery: Delivery) -> Delivery:
    """Send a failed or given-up delivery again now."""
    from . import tasks

    require(may_see_deliveries(actor))
    if delivery.status not in (DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP):
        raise Refused(_("Only a failed delivery is sent again."))
    Delivery.objects.filter(pk=delivery.pk).update(status=DeliveryStatus.QUEUED, next_attempt_at=None)
    transaction.on_commit(lambda: tasks.send_one(delivery.pk, delivery.channel))
    delivery.refresh_from_db()
    return delivery


# --- webhooks -----------------------------------------------------------------------------------------


def add_webhook(
    actor: Actor, organisation: Organisation, *, url: str, kinds: Iterable[str] = (), via: str = "web"
) -> Webhook:
    """A webhook for the organisation (its editors and admins); the secret is generated and shown once."""
    require_permission(actor, "change", organisation)
    if not url.startswith(("https://", "http://")):
        raise Refused(_("Give the address starting with https://."), field="url")
    with audit.acting(actor, via=via), transaction.atomic():
        return Webhook.objects.create(
            organisation=organisation,
            url=url[:500],
            secret=secrets.token_urlsafe(32),
            kinds=sorted(set(kinds)),
        )


# --- one-click unsubscribe ----------------------------------------------------------------------------


def unsubscribe_token(user_id: int, scope: str) -> str:
    """A signed token for the link in an e-mail: ``sub:<id>`` (that topic's e-mail), ``digest`` (every
    topic's e-mail), ``direct`` (notices about one's applications)."""
    return signing.dumps({"u": user_id, "s": scope}, salt=UNSUBSCRIBE_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    try:
        data = signing.loads(token, salt=UNSUBSCRIBE_SALT)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or not isinstance(data.get("u"), int) or not isinstance(data.get("s"), str):
        return None
    return data["u"], data["s"]


def unsubscribe(token: str) -> str:
    """Act on a one-click unsubscribe (RFC 8058): no session, the signed token is the authority. What was
    turned off: ``topic``, ``all`` or ``direct``; refused for a token that is not ours."""
    read = read_unsubscribe_token(token)
    if read is None:
        raise Refused(_("This unsubscribe link is not valid."), status=404)
    user_id, scope = read
    with audit.acting(None, via="email", label="unsubscribe"), transaction.atomic():
        if scope.startswith("sub:"):
            Subscription.objects.filter(user_id=user_id, pk=int(scope[4:] or 0)).update(email=EmailMode.OFF)
            return "topic"
        if scope == "direct":
            Preference.objects.update_or_create(user_id=user_id, defaults={"direct_email": False})
            return "direct"
        Subscription.objects.filter(user_id=user_id).update(email=EmailMode.OFF)
        return "all"
