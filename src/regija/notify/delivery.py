"""Sending: e-mails (one SMTP connection per batch, plain text and HTML, one-click unsubscribe headers),
web push (pywebpush with the VAPID keys), webhooks (JSON signed with HMAC-SHA256); the record of each
attempt on its ``Delivery``, retried with back-off and then given up."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterable
from email.utils import make_msgid
from pathlib import Path
from typing import Any

import requests
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.utils import DNS_NAME
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from .models import Attachment, Channel, Delivery, DeliveryStatus, EmailMode, Notification, PushSubscription

log = logging.getLogger(__name__)

# seconds to wait before attempt 2, 3, 4, 5; after the fifth failure a delivery is given up
BACKOFF = [60, 5 * 60, 25 * 60, 125 * 60]
MAX_ATTEMPTS = len(BACKOFF) + 1


def site_url() -> str:
    return str(getattr(settings, "REGIJA_SITE_URL", "http://127.0.0.1:8000")).rstrip("/")


def absolute(url: str) -> str:
    return url if not url or url.startswith(("http://", "https://")) else site_url() + url


def failed(delivery: Delivery, error: str, moment: dt.datetime) -> None:
    """Record a failed attempt: retried after the back-off, or given up after the last."""
    delivery.attempts += 1
    delivery.last_error = error[:2000]
    if delivery.attempts >= MAX_ATTEMPTS:
        delivery.status = DeliveryStatus.GAVE_UP
        delivery.next_attempt_at = None
    else:
        delivery.status = DeliveryStatus.FAILED
        delivery.next_attempt_at = moment + dt.timedelta(seconds=BACKOFF[delivery.attempts - 1])


def sent(delivery: Delivery, moment: dt.datetime) -> None:
    delivery.attempts += 1
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = moment
    delivery.next_attempt_at = None
    delivery.last_error = ""


FIELDS = ["attempts", "status", "sent_at", "next_attempt_at", "last_error"]


# --- e-mail -------------------------------------------------------------------------------------------


def _language(user: Any) -> str:
    profile = getattr(user, "profile", None) if user is not None else None
    try:
        return profile.language if profile is not None else settings.LANGUAGE_CODE
    except Exception:
        return settings.LANGUAGE_CODE


UNSUBSCRIBE_MARK = "@@regija-unsubscribe@@"


def build_email(
    delivery: Delivery,
    items: list[Notification] | None = None,
    prepared: dict[tuple[object, ...], Prepared] | None = None,
    files: list[Attachment] | None = None,
) -> EmailMultiAlternatives | None:
    """The message for an e-mail delivery (a notification, or a digest of ``items``) in the recipient's
    language, with List-Unsubscribe and List-Unsubscribe-Post; None when the person has no address.
    ``files``: the notification's attachments (those of a notification marked ``attached``), attached to
    its own e-mail – such a message is built in full, never from the batch's shared bytes.

    ``prepared`` keeps, per batch, what identical messages share (an alert to many: the same text,
    language and kind of unsubscribe link): their subject, texts and MIME bytes, built once – each copy
    differs only in its address, Message-ID and unsubscribe link, put into those bytes."""
    from .services import unsubscribe_token

    user = delivery.user
    if user is None or not user.email:
        return None
    notification = delivery.notification
    if delivery.digest:
        scope = "digest"
    elif notification is not None and notification.subscription_id:
        scope = f"sub:{notification.subscription_id}"
    else:
        scope = "direct"
    token = unsubscribe_token(user.pk, scope)
    unsubscribe_url = site_url() + reverse("notify:unsubscribe", args=[token])
    language = _language(user)
    key: tuple[object, ...] | None = None
    with_files = notification is not None and notification.attached and not delivery.digest
    if prepared is not None and notification is not None and not delivery.digest and not with_files:
        key = (
            language,
            scope[:4],
            notification.title,
            notification.body,
            notification.url,
            delivery.priority,
        )
        shared = prepared.get(key)
        if shared is not None:
            return shared.copy_for(user.email, unsubscribe_url)
    context = {
        "notification": notification,
        "items": items or [],
        "digest": delivery.digest,
        "url": absolute(notification.url) if notification is not None else "",
        "unsubscribe_url": UNSUBSCRIBE_MARK if key is not None else unsubscribe_url,
        "settings_url": site_url() + reverse("notify:preferences"),
        "list_url": site_url() + reverse("notify:notifications"),
        "site": site_url(),
        "scope": scope,
    }
    with translation.override(language):
        if delivery.digest:
            subject = str(
                translation.gettext("Your daily digest: %(count)s news")
                if delivery.digest == EmailMode.DAILY
                else translation.gettext("Your weekly digest: %(count)s news")
            ) % {"count": len(items or [])}
        else:
            subject = notification.title if notification is not None else ""
            if notification is not None and notification.priority:
                subject = "❗ " + subject
        for item in items or []:
            item.absolute_url = absolute(item.url)  # type: ignore[attr-defined]
        text = render_to_string("notify/email/message.txt", context)
        html = render_to_string("notify/email/message.html", context)
    if key is not None and prepared is not None:
        shared = prepared[key] = Prepared(subject, text, html, delivery.priority)
        return shared.copy_for(user.email, unsubscribe_url)
    message = _message(delivery.priority, user.email, subject, text, html, unsubscribe_url)
    if with_files:
        for f in files or []:
            message.attach(f.name, bytes(f.content), f.mimetype)
    return message


def _headers(priority: bool, unsubscribe_url: str) -> dict[str, str]:
    return {
        "List-Unsubscribe": f"<{unsubscribe_url}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        "Auto-Submitted": "auto-generated",
        **({"Importance": "high", "X-Priority": "1"} if priority else {}),
    }


def _message(
    priority: bool, address: str, subject: str, text: str, html: str, unsubscribe_url: str
) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject[:250], body=text, to=[address], headers=_headers(priority, unsubscribe_url)
    )
    message.attach_alternative(html, "text/html")
    return message


# What a batch's identical messages carry in their shared MIME bytes until each copy gets its own.
ADDRESS_MARK = "regija-recipient@address.invalid"
MESSAGE_ID_MARK = "<regija-message-id@message-id.invalid>"


class Prepared:
    """A message shared by many recipients: its texts with ``UNSUBSCRIBE_MARK`` where the link goes, and
    its MIME bytes built once (Python's ``email`` package takes ≈ 1,4 ms a message – most of the cost of
    sending). A copy substitutes the address, a Message-ID of its own and the link in those bytes; when
    they cannot be substituted safely (an address that is not printable ASCII, a body whose long lines
    were quoted-printable encoded), each copy is built in full instead."""

    def __init__(self, subject: str, text: str, html: str, priority: bool) -> None:
        self.subject, self.text, self.html, self.priority = subject, text, html, priority
        template = _message(priority, ADDRESS_MARK, subject, text, html, UNSUBSCRIBE_MARK)
        template.extra_headers["Message-ID"] = MESSAGE_ID_MARK
        raw = template.message().as_bytes(linesep="\r\n")
        marks = 1 + text.count(UNSUBSCRIBE_MARK) + html.count(UNSUBSCRIBE_MARK)
        self.raw: bytes | None = (
            raw
            if raw.count(UNSUBSCRIBE_MARK.encode()) == marks
            and raw.count(ADDRESS_MARK.encode()) == 1
            and raw.count(MESSAGE_ID_MARK.encode()) == 1
            else None
        )

    def copy_for(self, address: str, unsubscribe_url: str) -> EmailMultiAlternatives:
        text = self.text.replace(UNSUBSCRIBE_MARK, unsubscribe_url)
        html = self.html.replace(UNSUBSCRIBE_MARK, unsubscribe_url)
        if self.raw is None or not all(v.isascii() and v.isprintable() for v in (address, unsubscribe_url)):
            # built in full: Django encodes what needs it and refuses a line break in a header
            return _message(self.priority, address, self.subject, text, html, unsubscribe_url)
        raw = (
            self.raw.replace(UNSUBSCRIBE_MARK.encode(), unsubscribe_url.encode())
            .replace(ADDRESS_MARK.encode(), address.encode())
            .replace(MESSAGE_ID_MARK.encode(), make_msgid(domain=str(DNS_NAME)).encode())
        )
        message = PreparedEmail(
            raw,
            subject=self.subject[:250],
            body=text,
            to=[address],
            headers=_headers(self.priority, unsubscribe_url),
        )
        message.attach_alternative(html, "text/html")
        return message


class RawMessage:
    """What ``PreparedEmail.message()`` gives the mail backend: MIME bytes already built (the SMTP
    backend sends ``as_bytes(linesep="\\r\\n")``; the console and file backends write ``as_bytes()``)."""

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    def as_bytes(self, unixfrom: bool = False, linesep: str = "\n") -> bytes:
        return self.raw if linesep == "\r\n" else self.raw.replace(b"\r\n", linesep.encode())

    def as_string(self, unixfrom: bool = False, linesep: str = "\n") -> str:
        return self.as_bytes(linesep=linesep).decode()

    def get_charset(self) -> None:
        return None


class PreparedEmail(EmailMultiAlternatives):
    """An e-mail whose MIME bytes were prepared (``Prepared.copy_for``); its attributes (subject, body,
    to, headers, alternatives) are those of the same message built in full, for backends that read them
    (the tests' locmem outbox)."""

    def __init__(self, raw: bytes, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.raw = raw

    def message(self) -> Any:
        return RawMessage(self.raw)


def send_emails(ids: Iterable[int]) -> tuple[int, int]:
    """Send these e-mail deliveries over one SMTP connection; (sent, failed)."""
    deliveries = list(
        Delivery.objects.filter(pk__in=list(ids), channel=Channel.EMAIL)
        .exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.GAVE_UP])
        .select_related("user__profile", "notification")
    )
    if not deliveries:
        return 0, 0
    digest_items: dict[int, list[Notification]] = {}
    digests = [d.pk for d in deliveries if d.digest]
    if digests:
        for n in Notification.objects.filter(digest_id__in=digests).order_by("created_at", "pk"):
            digest_items.setdefault(n.digest_id or 0, []).append(n)
    files: dict[int, list[Attachment]] = {}
    attached = [
        d.notification_id for d in deliveries if not d.digest and d.notification and d.notification.attached
    ]
    if attached:  # only where a notification has files: the bulk path reads nothing more
        for f in Attachment.objects.filter(notification_id__in=attached).order_by("pk"):
            files.setdefault(f.notification_id, []).append(f)
    moment = timezone.now()
    ok = bad = 0
    prepared: dict[tuple[object, ...], Prepared] = {}
    connection = get_connection()
    try:
        connection.open()
    except Exception as error:  # the server is down: every delivery of the batch fails this attempt
        for d in deliveries:
            failed(d, f"{type(error).__name__}: {error}", moment)
        Delivery.objects.bulk_update(deliveries, FIELDS)
        return 0, len(deliveries)
    try:
        for d in deliveries:
            try:
                message = build_email(d, digest_items.get(d.pk), prepared, files.get(d.notification_id or 0))
                if message is None:
                    d.attempts = MAX_ATTEMPTS - 1
                    failed(d, "no e-mail address", moment)
                    bad += 1
                    continue
                message.connection = connection
                connection.send_messages([message])
            except Exception as error:
                failed(d, f"{type(error).__name__}: {error}", moment)
                bad += 1
                try:  # a broken connection is opened again for the rest of the batch
                    connection.close()
                    connection.open()
                except Exception:
                    log.warning("the mail server is not answering", exc_info=True)
            else:
                sent(d, moment)
                ok += 1
    finally:
        connection.close()
    save(deliveries, moment)
    return ok, bad


def save(deliveries: list[Delivery], moment: dt.datetime) -> None:
    """Store the outcome of a batch: the sent ones in one UPDATE, the failures one by one (few)."""
    from django.db.models import F

    done = [d.pk for d in deliveries if d.status == DeliveryStatus.SENT and d.sent_at == moment]
    if done:
        Delivery.objects.filter(pk__in=done).update(
            status=DeliveryStatus.SENT,
            sent_at=moment,
            attempts=F("attempts") + 1,
            next_attempt_at=None,
            last_error="",
        )
    done_set = set(done)
    rest = [d for d in deliveries if d.pk not in done_set]
    if rest:
        Delivery.objects.bulk_update(rest, FIELDS)


# --- web push -----------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


# the generated pair of each data folder, once read (a process serves one folder; tests use their own)
_keys: dict[Path, tuple[str, str]] = {}


def vapid_keys() -> tuple[str, str]:
    """(public key for the browser – uncompressed point, base64url; private key – PEM or base64url raw).

    From REGIJA_VAPID_PUBLIC_KEY / REGIJA_VAPID_PRIVATE_KEY; a local instance without them generates a pair
    into its data folder (``vapid_private.pem``) and keeps it, as it does its secret key."""
    if settings.REGIJA_VAPID_PUBLIC_KEY and settings.REGIJA_VAPID_PRIVATE_KEY:
        return settings.REGIJA_VAPID_PUBLIC_KEY, settings.REGIJA_VAPID_PRIVATE_KEY
    path = Path(settings.DATA_DIR) / "vapid_private.pem"
    if path in _keys:
        return _keys[path]
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    if path.exists():
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    else:
        key = ec.generate_private_key(ec.SECP256R1())
        pem = key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_bytes(pem)
    public = key.public_key().public_bytes(  # type: ignore[union-attr]
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private_raw = key.private_numbers().private_value.to_bytes(32, "big")  # type: ignore[union-attr]
    _keys[path] = (_b64(public), _b64(private_raw))
    return _keys[path]


def push_payload(notification: Notification) -> str:
    return json.dumps(
        {
            "title": notification.title,
            "body": notification.body[:500],
            "url": absolute(notification.url) or site_url() + reverse("notify:notifications"),
            "priority": notification.priority,
        }
    )


def send_pushes(ids: Iterable[int]) -> tuple[int, int]:
    """Push each delivery's notification to every browser of its person; a 404 or 410 from the push
    service removes that browser's subscription. (sent, failed)."""
    from pywebpush import WebPushException, webpush

    deliveries = list(
        Delivery.objects.filter(pk__in=list(ids), channel=Channel.PUSH)
        .exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.GAVE_UP])
        .select_related("notification")
    )
    users = {d.user_id for d in deliveries}
    browsers: dict[int, list[PushSubscription]] = {}
    for s in PushSubscription.objects.filter(user_id__in=users):
        browsers.setdefault(s.user_id, []).append(s)
    _public, private = vapid_keys()
    moment = timezone.now()
    ok = bad = 0
    gone = []
    for d in deliveries:
        targets = browsers.get(d.user_id or 0, [])
        if not targets or d.notification is None:
            sent(d, moment)  # nobody to push to: nothing left to do
            d.last_error = "no browser subscribed"
            continue
        errors = []
        for s in targets:
            try:
                webpush(
                    {"endpoint": s.endpoint, "keys": {"p256dh": s.p256dh, "auth": s.auth}},
                    data=push_payload(d.notification),
                    vapid_private_key=private,
                    vapid_claims={"sub": settings.REGIJA_VAPID_SUBJECT},
                    ttl=24 * 3600,
                    headers={"Urgency": "high" if d.priority else "normal"},
                    timeout=10,
                )
            except WebPushException as error:
                status = getattr(error.response, "status_code", None)
                if status in (404, 410):
                    gone.append(s.pk)
                else:
                    errors.append(f"{status}: {error}")
            except Exception as error:
                errors.append(f"{type(error).__name__}: {error}")
        if errors:
            failed(d, "; ".join(errors), moment)
            bad += 1
        else:
            sent(d, moment)
            ok += 1
    if gone:
        PushSubscription.objects.filter(pk__in=gone).delete()
    Delivery.objects.bulk_update(deliveries, FIELDS)
    return ok, bad


# --- webhooks -----------------------------------------------------------------------------------------


def signature(secret: str, body: bytes) -> str:
    """``sha256=<hex>``: the HMAC-SHA256 of the request body with the webhook's secret."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def send_webhooks(ids: Iterable[int]) -> tuple[int, int]:
    """POST each webhook delivery's event as JSON, signed; a 2xx answer is sent, anything else failed."""
    deliveries = list(
        Delivery.objects.filter(pk__in=list(ids), channel=Channel.WEBHOOK)
        .exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.GAVE_UP])
        .select_related("webhook")
    )
    moment = timezone.now()
    ok = bad = 0
    for d in deliveries:
        hook = d.webhook
        if hook is None or not hook.active:
            failed(d, "webhook removed or inactive", moment)
            d.status, d.next_attempt_at = DeliveryStatus.GAVE_UP, None
            bad += 1
            continue
        body = json.dumps({"id": d.pk, **(d.payload or {})}, ensure_ascii=False, sort_keys=True).encode()
        headers = {
            "Content-Type": "application/json",
            "User-Agent": "Regija-Webhook/1",
            "X-Regija-Event": str((d.payload or {}).get("kind", "")),
            "X-Regija-Delivery": str(d.pk),
            "X-Regija-Timestamp": str(int(time.time())),
            "X-Regija-Signature": signature(hook.secret, body),
        }
        try:
            response = requests.post(hook.url, data=body, headers=headers, timeout=10, allow_redirects=False)
        except requests.RequestException as error:
            failed(d, f"{type(error).__name__}: {error}", moment)
            bad += 1
            continue
        if 200 <= response.status_code < 300:
            sent(d, moment)
            ok += 1
        else:
            failed(d, f"HTTP {response.status_code}: {response.text[:300]}", moment)
            bad += 1
    Delivery.objects.bulk_update(deliveries, FIELDS)
    return ok, bad


# --- digests ------------------------------------------------------------------------------------------


def build_digests(period: str) -> list[int]:
    """One e-mail delivery per person with notifications waiting for their ``period`` digest (daily or
    weekly), those notifications its items; the deliveries' ids. Set-based: two statements, whatever
    the number of people."""
    from django.db import connection, transaction

    moment = connection.ops.adapt_datetimefield_value(timezone.now())
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(MAX(id), 0) FROM notify_delivery")
        before = cursor.fetchone()[0]
        cursor.execute(
            """INSERT INTO notify_delivery (channel, user_id, digest, priority, status, attempts, last_error,
                    created_at)
               SELECT %s, user_id, %s, %s, %s, 0, '', %s FROM notify_notification
               WHERE email = %s AND digest_id IS NULL GROUP BY user_id ORDER BY user_id""",
            [Channel.EMAIL, period, False, DeliveryStatus.QUEUED, moment, period],
        )
        cursor.execute(
            """UPDATE notify_notification SET digest_id = (
                   SELECT d.id FROM notify_delivery d WHERE d.user_id = notify_notification.user_id
                   AND d.id > %s AND d.digest = %s AND d.created_at = %s)
               WHERE email = %s AND digest_id IS NULL""",
            [before, period, moment, period],
        )
        cursor.execute(
            "SELECT id FROM notify_delivery WHERE id > %s AND digest = %s AND created_at = %s ORDER BY id",
            [before, period, moment],
        )
        return [row[0] for row in cursor.fetchall()]
