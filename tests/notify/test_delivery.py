"""Delivery against real local servers: an SMTP server (aiosmtpd) through Django's SMTP backend, a webhook
receiver checking the signature, a push service decrypting the payload; a 410 removes the browser."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.handlers import Message
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from regija.notify import delivery, services
from regija.notify.models import Delivery, DeliveryStatus, PushSubscription, Subscription, Webhook
from tests.factories import confirmed_user

pytestmark = pytest.mark.django_db


class Sink(Message):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle_message(self, message):
        self.messages.append(message)


def test_emails_go_through_a_real_smtp_server(places, commit, settings, client):
    sink = Sink()
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        municipality, *_ = places
        people = [confirmed_user() for _ in range(3)]
        for person in people:
            services.follow(person, municipality, email="immediate")
        commit(services.announce, municipality, "news", title="Zapora ceste")
    finally:
        controller.stop()
    assert sorted(m["To"] for m in sink.messages) == sorted(p.email for p in people)
    message = sink.messages[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = " ".join(message["List-Unsubscribe"].split())  # a long header is folded
    assert unsubscribe.startswith("<http") and "/obvestila/odjava/" in unsubscribe
    assert message.is_multipart() and {p.get_content_type() for p in message.get_payload()} == {
        "text/plain",
        "text/html",
    }
    assert set(Delivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}
    # the copies share their text but each has its own Message-ID and its own unsubscribe link, in the
    # header and in both bodies, which turns off that person's e-mail only
    assert len({m["Message-ID"] for m in sink.messages}) == 3
    links = {}
    for m in sink.messages:
        link = " ".join(m["List-Unsubscribe"].split()).strip("<>")
        plain, html = (p.get_payload(decode=True).decode() for p in m.get_payload())
        assert "Zapora ceste" in plain and link in plain and link in html
        links[m["To"]] = link
    assert len(set(links.values())) == 3
    first = people[0]
    client.post(links[first.email].removeprefix(delivery.site_url()))
    assert dict(Subscription.objects.values_list("user__email", "email")) == {
        first.email: "off",
        people[1].email: "immediate",
        people[2].email: "immediate",
    }


def test_a_file_travels_with_its_notification_only_and_the_shared_copies_stay_plain(
    places, settings, django_capture_on_commit_callbacks
):
    """One batch through a real SMTP server: an announcement to three followers (their copies built once
    and shared) and a direct notice to two people carrying a calendar file – each of those two gets the
    file, in their language; the followers' messages have none."""
    from regija.accounts.models import Profile

    sink = Sink()
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    municipality, *_ = places
    followers = [confirmed_user() for _ in range(3)]
    for person in followers:
        services.follow(person, municipality, email="immediate")
    sl, en = confirmed_user(username="sl"), confirmed_user(username="en")
    Profile.objects.create(user=en, language="en")
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nX-WR-CALNAME:{}\r\nEND:VCALENDAR\r\n"
    with django_capture_on_commit_callbacks(execute=False):  # queued, then sent as one batch below
        services.announce(municipality, "news", title="Zapora ceste")
        services.notify(
            [sl, en],
            "event_reminder",
            title="Opomnik",
            attachments=lambda lang: [
                (f"dogodek-{lang}.ics", ics.format(lang), "text/calendar; method=PUBLISH")
            ],
        )
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
        assert delivery.send_emails(Delivery.objects.values_list("pk", flat=True)) == (5, 0)
    finally:
        controller.stop()
    by_address = {m["To"]: m for m in sink.messages}
    assert sorted(by_address) == sorted(p.email for p in [*followers, sl, en])
    for person in followers:
        message = by_address[person.email]
        assert {p.get_content_type() for p in message.get_payload()} == {"text/plain", "text/html"}
    for person, lang in ((sl, "sl"), (en, "en")):
        message = by_address[person.email]
        assert message.get_content_type() == "multipart/mixed"
        body, attached = message.get_payload()
        assert body.get_content_type() == "multipart/alternative"
        assert attached.get_content_type() == "text/calendar"
        assert attached.get_param("method") == "PUBLISH" and attached.get_content_charset() == "utf-8"
        assert attached.get_filename() == f"dogodek-{lang}.ics"
        assert attached.get_payload(decode=True).decode() == ics.format(lang)
        assert "/obvestila/odjava/" in message["List-Unsubscribe"]


class Receiver:
    """A local HTTP server recording each request; answers ``status``."""

    def __init__(self, status=200):
        self.requests = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                outer.requests.append(({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(outer.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.status = status
        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self):
        self.server.shutdown()


def test_webhook_is_signed_so_the_receiver_can_verify_it(places, commit):
    municipality, area, _other, staff = places
    receiver = Receiver()
    try:
        hook = services.add_webhook(staff, municipality, url=receiver.url, kinds=["alert"])
        commit(services.issue_alert, staff, area, title_sl="Ni vode")
    finally:
        receiver.close()
    ((headers, body),) = receiver.requests
    # what a receiver does (docs/notifications.md): HMAC-SHA256 of the raw body with the shared secret
    expected = "sha256=" + hmac.new(hook.secret.encode(), body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(headers["x-regija-signature"], expected)
    assert headers["x-regija-timestamp"].isdigit()
    event = json.loads(body)
    assert (event["kind"], event["area"], event["title"]) == ("alert", "ks-breg", "Ni vode")
    assert Delivery.objects.get(webhook=hook).status == DeliveryStatus.SENT


def test_a_failing_webhook_is_retried(places, commit):
    municipality, area, _other, staff = places
    receiver = Receiver(status=500)
    try:
        hook = services.add_webhook(staff, municipality, url=receiver.url)
        commit(services.issue_alert, staff, area, title_sl="Ni vode")
    finally:
        receiver.close()
    d = Delivery.objects.get(webhook=hook)
    assert (d.status, d.attempts, d.last_error[:8]) == (DeliveryStatus.FAILED, 1, "HTTP 500")
    assert Webhook.objects.filter(pk=hook.pk).exists()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _browser(user, endpoint):
    key = ec.generate_private_key(ec.SECP256R1())
    public = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    auth = os.urandom(16)
    PushSubscription.objects.create(user=user, endpoint=endpoint, p256dh=_b64(public), auth=_b64(auth))
    return key, auth


def test_push_is_encrypted_for_the_browser_and_signed_with_vapid(places, commit):
    import http_ece

    municipality, area, _other, staff = places
    user = confirmed_user()
    services.follow(user, area, email="off", push=True)
    receiver = Receiver(status=201)
    try:
        key, auth = _browser(user, receiver.url)
        commit(services.issue_alert, staff, area, title_sl="Ni vode", body_sl="Do 14.00.")
    finally:
        receiver.close()
    ((headers, body),) = receiver.requests
    assert headers["content-encoding"] == "aes128gcm"
    assert (
        headers["authorization"].startswith("vapid t=")
        and f"k={delivery.vapid_keys()[0]}" in headers["authorization"]
    )
    assert headers["urgency"] == "high"
    payload = json.loads(http_ece.decrypt(body, private_key=key, auth_secret=auth, version="aes128gcm"))
    assert (payload["title"], payload["body"], payload["priority"]) == ("Ni vode", "Do 14.00.", True)
    assert Delivery.objects.get(channel="push").status == DeliveryStatus.SENT


def test_a_gone_browser_is_removed(places, commit):
    municipality, *_ = places
    user = confirmed_user()
    services.follow(user, municipality, email="off", push=True)
    receiver = Receiver(status=410)
    try:
        _browser(user, receiver.url)
        commit(services.announce, municipality, "news", title="Novica")
    finally:
        receiver.close()
    assert not PushSubscription.objects.exists()
