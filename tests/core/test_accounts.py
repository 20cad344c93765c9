"""Accounts (issue 12, point 7): failed sign-ins are throttled per account and per address, on the site
and in the back office, with a clear message, and API tokens keep working; a password is reset by
e-mail; pages that show a secret are never stored; the data files are readable by their owner only."""

from __future__ import annotations

import json
import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.test import RequestFactory
from django.urls import reverse

from regija.core import accounts, tokens
from regija.core.models import AuditEntry
from tests.factories import PASSWORD, member

pytestmark = pytest.mark.django_db

LIMIT = 5  # failed sign-ins before the pause (docs/deployment.md: REGIJA_LOGIN_FAILURES, default 5)
MINUTES = 15  # the pause (REGIJA_LOGIN_COOLOFF_MINUTES, default 15)
SRC = Path(__file__).resolve().parents[2] / "src"


def _sign_in(client, username, password, *, address="10.0.0.1", url=None):
    return client.post(
        url or reverse("login"),
        {"login": username, "password": password}
        if url is None
        else {"username": username, "password": password},
        REMOTE_ADDR=address,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def _paused(response) -> bool:
    text = response.content.decode()
    return (
        response.status_code == 429
        and "Too many failed sign-ins" in text
        and f"Try again in {MINUTES} minutes" in text
    )


# --- throttling ------------------------------------------------------------------------------------


def test_an_account_is_paused_after_too_many_failures_from_any_address(client):
    member(username="alenka")
    for i in range(LIMIT - 1):
        r = _sign_in(client, "alenka", "wrong", address=f"10.0.0.{i + 1}")
        assert (
            r.status_code == 200
            and "The username and/or password you specified are not correct." in r.content.decode()
        )
    assert _paused(_sign_in(client, "alenka", "wrong", address="10.0.0.99"))
    # now even the right password, from yet another address, waits
    r = _sign_in(client, "alenka", PASSWORD, address="10.0.0.100")
    assert _paused(r) and "_auth_user_id" not in client.session
    # another account is not affected
    member(username="bojan")
    assert _sign_in(client, "bojan", PASSWORD, address="10.0.0.100").status_code == 302


def test_an_address_is_paused_after_too_many_failures_for_any_accounts(client):
    for i in range(LIMIT - 1):
        assert _sign_in(client, f"guess-{i}", "wrong", address="192.0.2.7").status_code == 200
    assert _paused(_sign_in(client, "guess-last", "wrong", address="192.0.2.7"))
    member(username="cilka")
    assert _paused(_sign_in(client, "cilka", PASSWORD, address="192.0.2.7"))
    assert _sign_in(client, "cilka", PASSWORD, address="192.0.2.8").status_code == 302


def test_the_back_office_sign_in_is_throttled_too(client):
    member(username="root", superuser=True)
    url = reverse("admin:login")
    for _ in range(LIMIT - 1):
        assert _sign_in(client, "root", "wrong", url=url).status_code == 200
    assert _paused(_sign_in(client, "root", "wrong", url=url))
    assert _paused(_sign_in(client, "root", PASSWORD, url=url, address="10.9.9.9"))


def test_a_paused_account_keeps_writing_through_the_api_with_its_token(client):
    user = member("editor", "las-zasavje", username="urednica")
    _token, raw = tokens.create(user, "skripta")
    for _ in range(LIMIT):
        _sign_in(client, "urednica", "wrong")
    assert _paused(_sign_in(client, "urednica", PASSWORD))
    r = client.patch(
        "/api/v1/projects/las-zasavje-2023/JP1-01",
        data=json.dumps({"title": "Nov naslov"}),
        content_type="application/json",
        HTTP_AUTHORIZATION="Bearer " + raw,
        REMOTE_ADDR="10.0.0.1",
    )
    assert r.status_code == 200, r.content


def test_behind_a_proxy_the_address_is_the_one_the_proxy_saw(settings):
    """With REGIJA_PROXIES=1 (one nginx that appends the address it was connected from) the client's
    own X-Forwarded-For entries further left are not believed."""
    rf = RequestFactory()
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    settings.REGIJA_PROXIES = 0
    assert accounts.client_ip(request) == "127.0.0.1"
    settings.REGIJA_PROXIES = 1
    assert accounts.client_ip(request) == "203.0.113.5"
    settings.REGIJA_PROXIES = 2
    assert accounts.client_ip(request) == "6.6.6.6"
    garbage = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="not-an-address")
    settings.REGIJA_PROXIES = 1
    assert accounts.client_ip(garbage) == "127.0.0.1"


# --- password reset ---------------------------------------------------------------------------------


def test_a_password_is_reset_by_e_mail(client):
    user = member(username="darja")
    user.email = "darja@example.si"
    user.save()
    login_page = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'href="{reverse("password_reset")}"' in login_page and "Forgot your password?" in login_page

    r = client.post(reverse("password_reset"), {"email": "darja@example.si"})
    assert r.status_code == 302 and r["Location"] == reverse("password_reset_done")
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["darja@example.si"]
    link = re.search(r"https?://[^/\s]+(/\S+/)", mail.outbox[0].body).group(1)

    r = client.get(link)  # Django's view moves the token from the URL into the session
    assert r.status_code == 302
    form_url = r["Location"]
    r = client.get(form_url, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "Set a new password" in r.content.decode()
    assert "no-store" in r["Cache-Control"]
    r = client.post(form_url, {"new_password1": "Nova-geslo-2027", "new_password2": "Nova-geslo-2027"})
    assert r.status_code == 302 and r["Location"] == reverse("password_reset_complete")

    assert _sign_in(client, "darja", "Nova-geslo-2027").status_code == 302
    # the link worked once
    client.logout()
    r = client.get(link, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert "This link no longer works" in r.content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    r = client.post(reverse("password_reset"), {"email": "nobody@example.si"})
    assert r.status_code == 302 and r["Location"] == reverse("password_reset_done")
    assert mail.outbox == []


def test_a_new_password_lifts_the_pause_of_the_account(client):
    user = member(username="ema")
    user.email = "ema@example.si"
    user.save()
    for i in range(LIMIT):
        _sign_in(client, "ema", "wrong", address=f"10.1.0.{i}")
    assert _paused(_sign_in(client, "ema", PASSWORD, address="10.1.1.1"))
    client.post(reverse("password_reset"), {"email": "ema@example.si"})
    link = re.search(r"https?://[^/\s]+(/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    client.post(form_url, {"new_password1": "Nova-geslo-2027", "new_password2": "Nova-geslo-2027"})
    assert _sign_in(client, "ema", "Nova-geslo-2027", address="10.1.1.1").status_code == 302


def test_a_signed_in_user_resets_their_own_password_by_the_link(client):
    """Signed in and following the e-mailed link in the same browser: the new password is set (the audit
    log names the user, read before the password changed), not a 500 because the session was ended."""
    user = member(username="fran")
    user.email = "fran@example.si"
    user.save()
    client.force_login(user)
    client.post(reverse("password_reset"), {"email": "fran@example.si"})
    link = re.search(r"https?://[^/\s]+(/\S+/)", mail.outbox[0].body).group(1)
    form_url = client.get(link)["Location"]
    r = client.post(form_url, {"new_password1": "Nova-geslo-2027", "new_password2": "Nova-geslo-2027"})
    assert r.status_code == 302 and r["Location"] == reverse("password_reset_complete")
    user.refresh_from_db()
    assert user.check_password("Nova-geslo-2027")
    entry = AuditEntry.objects.filter(content_type__model="user", object_id=str(user.pk)).latest("pk")
    assert entry.actor == "fran" and "password" in entry.changes


def test_the_back_office_sign_in_page_links_to_the_reset(client):
    page = client.get(reverse("admin:login"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert reverse("admin_password_reset") in page


# --- secrets are never stored ----------------------------------------------------------------------


def test_the_page_with_a_new_token_is_never_stored(client):
    client.force_login(member(username="fran"))
    r = client.post(reverse("account"), {"name": "skripta"})
    assert r.status_code == 200 and 'id="new-token"' in r.content.decode()
    assert "no-store" in r["Cache-Control"]


# --- data files -------------------------------------------------------------------------------------


_CHILD = r"""
import json, os, pathlib, sys
os.umask(0o022)  # the usual umask: files readable by all unless created otherwise
# a file system that ignores chmod (or a crash right after writing): only how the file was created counts
pathlib.Path.chmod = lambda self, mode, **kw: None
os.environ["DJANGO_SETTINGS_MODULE"] = "regija.settings"
import django
django.setup()
from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
with connection.cursor() as c:  # SQLite opens the database and, in WAL mode, its -wal and -shm files
    c.execute("CREATE TABLE t (x)")
    c.execute("INSERT INTO t VALUES (1)")
    cache.set("k", "v")
    name = default_storage.save("calls/1/attachment.pdf", ContentFile(b"%PDF"))
    data = pathlib.Path(settings.DATA_DIR)
    paths = {
        "data folder": data,
        "secret key": data / "secret_key",
        "database": data / "regija.sqlite3",
        "database wal": data / "regija.sqlite3-wal",
        "database shm": data / "regija.sqlite3-shm",
        "cache folder": pathlib.Path(settings.CACHES["default"]["LOCATION"]),
        "cache file": next(pathlib.Path(settings.CACHES["default"]["LOCATION"]).iterdir()),
        "upload": pathlib.Path(default_storage.path(name)),
        "upload folder": pathlib.Path(default_storage.path(name)).parent,
    }
    print(json.dumps({k: os.stat(p).st_mode & 0o777 for k, p in paths.items()}))
"""


def test_data_files_are_readable_by_their_owner_only(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL", "REDIS_URL")}
    env.update(REGIJA_DATA_DIR=str(tmp_path / "var"), PYTHONPATH=str(SRC))
    env.pop("REGIJA_MEDIA_DIR", None)
    done = subprocess.run(  # noqa: S603 - our own code, in a fresh interpreter
        [sys.executable, "-c", _CHILD], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.returncode == 0, done.stderr
    modes = json.loads(done.stdout.strip().splitlines()[-1])
    for name in ("secret key", "database", "database wal", "database shm", "cache file"):
        assert modes[name] == 0o600, (name, oct(modes[name]))
    for name in ("data folder", "cache folder"):
        assert modes[name] == 0o700, (name, oct(modes[name]))
    # uploaded files: the owner and its group (a web server may serve them), never others
    assert not modes["upload"] & stat.S_IRWXO and not modes["upload folder"] & stat.S_IRWXO, modes


def test_an_existing_secret_key_readable_by_others_is_made_private(tmp_path):
    data = tmp_path / "var"
    data.mkdir()
    key = data / "secret_key"
    key.write_text("an-old-key")
    key.chmod(0o644)
    env = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DATABASE_URL")}
    env.update(REGIJA_DATA_DIR=str(data), PYTHONPATH=str(SRC))
    code = "import regija.settings as s; print(s.SECRET_KEY)"
    done = subprocess.run(  # noqa: S603 - our own code, in a fresh interpreter
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120, check=False
    )
    assert done.stdout.strip() == "an-old-key", done.stderr
    assert key.stat().st_mode & 0o777 == 0o600
