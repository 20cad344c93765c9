"""The audit log shows tampering (issue 12, point 4).

Every entry stores the hash of the one before it; ``regija audit verify`` walks the chain and names the
first entry that was changed in the database (content altered) or whose predecessor was deleted, with
its id and time, and exits non-zero. Here the database is edited the way someone with access to it
would: a queryset update, raw SQL, a deleted row.
"""

from __future__ import annotations

import re
import threading
import time

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection, connections, transaction
from django.urls import reverse

from regija.cli import main
from regija.core import audit, tokens
from regija.core.models import ApiToken, AuditEntry, AuditHead, Membership
from tests.factories import OrganisationFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def regija(capsys, monkeypatch):
    """Run ``regija …`` as typed: (exit code, stdout, stderr). A management command closes the database
    connections when it ends, which would end the test's transaction; here it leaves them open."""
    monkeypatch.setattr(connections, "close_all", lambda: None)

    def run(*args: str) -> tuple[int, str, str]:
        try:
            main(["regija", *args])
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        out = capsys.readouterr()
        return code, out.out, out.err

    return run


def _three_entries():
    """Three audited changes (API tokens of one user: permissions), in this order."""
    user = member(username="tokens-user")
    with audit.acting(user, via="web"):
        created = [tokens.create(user, f"token {i}")[0] for i in range(3)]
    ct = ContentType.objects.get_for_model(ApiToken)
    return [AuditEntry.objects.get(content_type=ct, object_id=str(t.pk)) for t in created]


def test_a_fresh_database_verifies(regija):
    """The test database was migrated and then loaded with the five source documents (an import entry
    per file): the whole chain checks out, every entry counted."""
    total = AuditEntry.objects.count()
    assert total > 0
    code, out, err = regija("audit", "verify")
    assert code == 0, err
    assert f"{total} entries checked: OK" in out


def test_each_entry_is_chained_to_the_one_before(regija):
    entries = _three_entries()
    assert [e.prev_hash for e in entries[1:]] == [e.hash for e in entries[:-1]]
    assert all(re.fullmatch(r"[0-9a-f]{64}", e.hash) for e in entries)
    assert AuditHead.objects.get().hash == entries[-1].hash
    assert regija("audit", "verify")[0] == 0


def test_an_entry_changed_with_a_queryset_update_is_named(regija):
    first, middle, last = _three_entries()
    AuditEntry.objects.filter(pk=middle.pk).update(changes={"name": [None, "something else"]})
    code, out, err = regija("audit", "verify")
    assert code == 1
    assert f"entry {middle.pk} (" in err and "content altered" in err
    assert middle.at.strftime("%Y-%m-%d") in err


def test_an_entry_changed_with_raw_sql_is_named(regija):
    first, middle, last = _three_entries()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE core_auditentry SET actor = %s WHERE id = %s", ["someone-else", first.pk])
    code, _out, err = regija("audit", "verify")
    assert code == 1 and f"entry {first.pk} (" in err and "content altered" in err


def test_a_changed_time_is_caught(regija):
    first, middle, last = _three_entries()
    AuditEntry.objects.filter(pk=last.pk).update(at=last.at.replace(year=2020))
    code, _out, err = regija("audit", "verify")
    assert code == 1 and f"entry {last.pk} (2020-" in err and "content altered" in err


def test_a_deleted_middle_entry_is_caught_at_the_next_one(regija):
    first, middle, last = _three_entries()
    AuditEntry.objects.filter(pk=middle.pk).delete()
    code, _out, err = regija("audit", "verify")
    assert code == 1
    assert f"entry {last.pk} (" in err and "predecessor missing" in err


def test_an_entry_rewritten_with_a_fresh_hash_breaks_the_link_to_it(regija):
    """Someone who recomputes the hash of the entry they edited still breaks the next entry's link."""
    first, middle, last = _three_entries()
    middle.changes = {"name": [None, "rewritten"]}
    middle.hash = audit.entry_digest(middle)
    AuditEntry.objects.filter(pk=middle.pk).update(changes=middle.changes, hash=middle.hash)
    code, _out, err = regija("audit", "verify")
    assert code == 1 and f"entry {last.pk} (" in err and "predecessor missing" in err


def test_deleting_the_last_entries_is_caught_and_a_kept_head_catches_a_tidied_end(regija):
    first, middle, last = _three_entries()
    code, out, _err = regija("audit", "head")
    assert code == 0 and f"entry {last.pk}" in out and last.hash in out

    AuditEntry.objects.filter(pk=last.pk).delete()
    code, _out, err = regija("audit", "verify")
    assert code == 1 and f"entry {last.pk}" in err and "deleted" in err

    # Someone who also sets the record of the end back leaves a chain that checks out by itself (what a
    # hash chain cannot see, docs/portal.md) – but not against the head printed before and kept elsewhere.
    AuditHead.objects.filter(pk=1).update(entry_id=middle.pk, hash=middle.hash)
    assert regija("audit", "verify")[0] == 0
    code, _out, err = regija("audit", "verify", "--head", last.hash)
    assert code == 1 and last.hash in err and "not in the chain" in err
    assert regija("audit", "verify", "--head", middle.hash)[0] == 0


def test_entries_written_while_verifying_are_not_taken_for_a_broken_end(monkeypatch):
    """``regija audit verify`` runs beside a live site: an entry committed after the walk began, and
    before the end of the chain is read, is walked too instead of being reported as a broken end."""
    user = member(username="busy-user")
    real_head = audit.head
    written = []

    def head_after_a_write():
        if not written:
            with audit.acting(user, via="web"):
                written.append(tokens.create(user, "meanwhile")[0])
        return real_head()

    monkeypatch.setattr(audit, "head", head_after_a_write)
    result = audit.verify()
    assert written and result.ok, result.broken
    assert result.checked == AuditEntry.objects.count()


def test_an_empty_log_verifies():
    AuditEntry.objects.all().delete()
    AuditHead.objects.all().delete()
    result = audit.verify()
    assert result.ok and result.checked == 0
    _three_entries()  # the chain starts again: the user, then the three tokens
    assert AuditEntry.objects.order_by("id").first().prev_hash == ""
    assert audit.verify().checked == AuditEntry.objects.count() == 4 and audit.verify().ok


def test_numbers_hash_the_same_when_read_back():
    """A float, a large integer and a number with a zero fraction (PostgreSQL's jsonb gives ``1e16``
    back as an integer) give the same hash written and read back from the database."""
    *_, last = _three_entries()
    last.changes = {"lat": [46.05, 1e16], "lon": [3.0, 2**60], "n": [1e-7, -0.0], "t": [(1, 2), {"a": None}]}
    last.hash = audit.entry_digest(last)  # from the values as written
    AuditEntry.objects.filter(pk=last.pk).update(changes=last.changes, hash=last.hash)
    AuditHead.objects.filter(pk=1).update(hash=last.hash)
    assert audit.verify().ok  # from the values as read back


# --- permissions are audited ----------------------------------------------------------------------


def test_a_membership_given_in_the_back_office_is_in_the_chain(client, regija):
    admin = member(username="root", superuser=True)
    person = member(username="new-person")
    org = OrganisationFactory(slug="obcina-x", name="Občina X")
    client.force_login(admin)
    response = client.post(
        reverse("admin:core_membership_add"), {"user": person.pk, "organisation": org.pk, "role": "editor"}
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    membership = Membership.objects.get(user=person, organisation=org)
    entry = AuditEntry.objects.get(
        content_type=ContentType.objects.get_for_model(Membership), object_id=str(membership.pk)
    )
    assert (entry.actor, entry.via, entry.action) == ("root", "admin", "create")
    assert entry.changes["role"] == [None, "editor"] and entry.changes["user"] == [None, "new-person"]
    membership_id = membership.pk
    client.post(reverse("admin:core_membership_delete", args=[membership_id]), {"post": "yes"})
    assert AuditEntry.objects.filter(object_id=str(membership_id), action="delete").exists()
    assert regija("audit", "verify")[0] == 0


def test_tokens_created_and_revoked_on_the_account_page_are_in_the_log(client):
    user = member(username="token-owner")
    client.force_login(user)
    client.post(reverse("account"), {"name": "skripta"})
    token = ApiToken.objects.get(user=user)
    client.post(reverse("account"), {"revoke": token.pk})
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ApiToken), object_id=str(token.pk)
    ).order_by("id")
    assert [(e.action, e.actor, e.via) for e in entries] == [
        ("create", "token-owner", "web"),
        ("update", "token-owner", "web"),
    ]
    assert entries[1].changes["revoked_at"][0] is None and entries[1].changes["revoked_at"][1]
    assert "key_hash" not in entries[0].changes  # not even the token's hash goes into the log


def test_a_user_made_superuser_and_a_new_password_are_logged_without_the_password(client):
    admin = member(username="root", superuser=True)
    person = member(username="someone")
    with audit.acting(admin, via="admin"):
        person.is_superuser = True
        person.set_password("a-new-Password-2026")
        person.save()
    entry = AuditEntry.objects.filter(object_id=str(person.pk), content_type__model="user").latest("id")
    assert entry.changes["is_superuser"] == [False, True]
    assert entry.changes["password"] == ["***", "***"]
    assert person.password not in str(entry.changes)
    # signing in writes no entry (the last sign-in is not a fact anyone changed)
    count = AuditEntry.objects.count()
    response = client.post(reverse("login"), {"login": "someone", "password": "a-new-Password-2026"})
    assert response.status_code == 302
    assert AuditEntry.objects.count() == count


# --- two writers at once (PostgreSQL) --------------------------------------------------------------


@pytest.fixture(scope="module")
def _source_documents_again(django_db_blocker):
    """The concurrent test commits for real (a transactional test, which empties the database after
    it); the source documents are loaded again for the tests that follow."""
    yield
    from regija.calls.importer import import_files as import_governance
    from regija.interchange.importer import import_files

    from ..conftest import GOVERNANCE_FILES, SEED_FILES

    with django_db_blocker.unblock():
        import_files(SEED_FILES)
        import_governance(GOVERNANCE_FILES)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="concurrent writers are tested on PostgreSQL (SQLite lets one writer at a time)",
)
def test_two_transactions_never_chain_to_the_same_entry(_source_documents_again, transactional_db):
    """Writers in their own transactions, released together, each holding its transaction open a
    moment after writing its entry: each entry follows a different one, and the chain verifies."""
    users = [member(username=f"writer-{i}") for i in range(4)]
    barrier = threading.Barrier(len(users))
    errors: list[Exception] = []

    def write(user):
        try:
            barrier.wait()
            for round_ in range(3):
                with transaction.atomic(), audit.acting(user, via="api"):
                    tokens.create(user, f"round {round_}")
                    time.sleep(0.02)  # the transaction stays open: another writer comes in meanwhile
        except Exception as exc:  # noqa: BLE001 - reported to the test
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write, args=(u,)) for u in users]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    prevs = list(AuditEntry.objects.values_list("prev_hash", flat=True))
    assert len(prevs) == len(set(prevs))
    result = audit.verify()
    assert result.ok, result.broken
    assert result.checked == AuditEntry.objects.count() >= 12


def test_the_migration_chains_the_entries_written_before_it():
    """Entries from before the chain (no hashes, no head) are chained in the order they were written."""
    import importlib
    import types

    from django.apps import apps

    _three_entries()
    AuditEntry.objects.update(prev_hash="", hash="")
    AuditHead.objects.all().delete()
    assert not audit.verify().ok
    migration = importlib.import_module("regija.core.migrations.0004_audit_chain")
    migration.chain_existing(apps, types.SimpleNamespace(connection=connection))
    result = audit.verify()
    assert result.ok and result.checked == AuditEntry.objects.count()
    assert AuditHead.objects.get().entry_id == AuditEntry.objects.order_by("id").last().pk


def test_the_amounts_an_applicant_requests_are_in_the_log(clock):
    """A draft's requested amounts were written in bulk, past the audit log; each is an entry of the
    application's history now, and the chain still verifies."""
    from regija.calls import services as call_services
    from tests.factories import DURING, call_world, fill, publish_call

    w = publish_call(call_world(), clock)
    clock(DURING)
    app = call_services.start_application(w.call, w.applicant, w.users["applicant"])
    with audit.acting(w.users["applicant"], via="web"):
        fill(app, w, amount="42000.00")
    requested = [
        e.changes["requested"]
        for e in audit.history(app)
        if e.content_type.model == "applicationfund" and e.action == "create"
    ]
    assert requested == [[None, "42000.00"]]
    assert audit.verify().ok
