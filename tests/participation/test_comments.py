"""Comments: who may post, when, what is refused; threads, mentions, answers and moderation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings

from regija.core.models import AuditEntry
from regija.core.services import Forbidden, Refused
from regija.participation import mentions, services
from regija.participation.models import Comment, CommentReport
from tests.factories import AgendaItemFactory, BodyFactory, SessionFactory, UserFactory, member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Refusals are matched by their English wording (the pages show them translated)."""
    from django.utils import translation

    with translation.override("en"):
        yield


def unit(place, code="U1"):
    return place.consultation.units.get(label=code)


def test_a_strategy_consultation_has_a_unit_per_node_in_tree_order(place):
    assert [u.label for u in place.consultation.units.order_by("order")] == ["C1", "U1", "U2"]


def test_a_confirmed_person_comments_and_the_comment_belongs_to_the_organisation(place):
    c = services.comment_add(place.neighbour, unit(place), "  Predlagam več kolesarskih stez.  ")
    assert c.text == "Predlagam več kolesarskih stez."
    assert c.organisation == place.town
    assert c.target == unit(place)


def test_an_unconfirmed_account_is_refused_and_nothing_is_written(place):
    with pytest.raises(Forbidden, match="Confirm your e-mail"):
        services.comment_add(place.unconfirmed, unit(place), "Zdravo")
    assert not Comment.objects.exists()


def test_an_anonymous_visitor_is_refused(place):
    from django.contrib.auth.models import AnonymousUser

    with pytest.raises(Forbidden):
        services.comment_add(AnonymousUser(), unit(place), "Zdravo")


def test_after_the_close_comments_are_refused(place, clock):
    clock(place.consultation.closes_at + dt.timedelta(seconds=1))
    with pytest.raises(Refused, match="has closed") as err:
        services.comment_add(place.neighbour, unit(place), "Prepozno")
    assert err.value.status == 409
    assert not Comment.objects.exists()


def test_before_the_opening_comments_are_refused(place, clock):
    clock(place.consultation.opens_at - dt.timedelta(seconds=1))
    with pytest.raises(Refused, match="not open yet"):
        services.comment_add(place.neighbour, unit(place), "Prezgodaj")


def test_an_over_long_comment_is_refused_with_its_length(place):
    with pytest.raises(Refused, match="3000") as err:
        services.comment_add(place.neighbour, unit(place), "a" * 3001)
    assert err.value.field == "text" and err.value.status == 422
    assert not Comment.objects.exists()


def test_an_empty_comment_is_refused(place):
    with pytest.raises(Refused) as err:
        services.comment_add(place.neighbour, unit(place), "   ")
    assert err.value.field == "text"


def test_a_consultation_for_residents_only_refuses_others(place):
    place.consultation.residents_only = True
    place.consultation.save()
    with pytest.raises(Forbidden, match="verified residents"):
        services.comment_add(place.neighbour, unit(place), "Nisem od tu")
    assert services.comment_add(place.resident, unit(place), "Sem od tu").pk


def test_replies_nest_three_levels_deep_and_no_deeper(place):
    u = unit(place)
    a = services.comment_add(place.neighbour, u, "1")
    b = services.comment_add(place.resident, u, "2", parent=a)
    c = services.comment_add(place.neighbour, u, "3", parent=b)
    d = services.comment_add(place.resident, u, "4", parent=c)
    assert [a.depth, b.depth, c.depth, d.depth] == [0, 1, 2, 2]
    assert d.parent == b  # a reply beyond the third level joins the thread of its parent


def test_a_reply_to_a_comment_of_another_target_is_refused(place):
    a = services.comment_add(place.neighbour, unit(place, "U1"), "1")
    with pytest.raises(Refused) as err:
        services.comment_add(place.neighbour, unit(place, "U2"), "2", parent=a)
    assert err.value.field == "parent"


def test_mentions_are_stored_and_linked_and_unknown_names_stay_text(place):
    c = services.comment_add(place.neighbour, unit(place), "Kaj meni @metka? In @nihce.")
    assert [u.username for u in c.mentions.all()] == ["metka"]
    html = mentions.render(c.text, {"metka": "/sodelovanje/osebe/metka/"})
    assert '<a href="/sodelovanje/osebe/metka/">@metka</a>' in html
    assert "@nihce" in html


def test_mention_parsing_is_one_function():
    assert mentions.usernames("@ana, @bor.kos in e-mail ana@example.org @ana") == ["ana", "bor.kos"]


def test_a_script_is_stored_as_text_and_escaped_on_the_page(place, client):
    services.comment_add(place.neighbour, unit(place), "<script>alert(1)</script>\nnova vrstica")
    page = client.get(place.consultation.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;<br>nova vrstica" in page


@override_settings(REGIJA_COMMENTS_PER_HOUR=3)
def test_an_account_posting_too_often_is_slowed_down(place):
    for i in range(3):
        services.comment_add(place.neighbour, unit(place), f"Komentar {i}")
    with pytest.raises(Refused, match="try again later") as err:
        services.comment_add(place.neighbour, unit(place), "Še eden")
    assert err.value.status == 429
    assert Comment.objects.count() == 3


# ------------------------------------------------------------------------------------------------ answers


def test_staff_answer_a_comment_and_edit_it_until_the_report_is_published(place, clock):
    c = services.comment_add(place.neighbour, unit(place), "Vprašanje")
    services.comment_answer(place.staff, c, "Odgovor")
    services.comment_answer(place.staff, c, "Popravljen odgovor")
    c.refresh_from_db()
    assert c.answer == "Popravljen odgovor" and c.answered_by == place.staff
    clock(place.consultation.closes_at + dt.timedelta(hours=1))
    services.consultation_publish_report(place.staff, place.consultation)
    with pytest.raises(Refused, match="report is published"):
        services.comment_answer(place.staff, c, "Še en popravek")


def test_only_the_organisations_staff_answer(place):
    c = services.comment_add(place.neighbour, unit(place), "Vprašanje")
    outsider = member("editor", place.other, username="tuja-urednica")
    for who in (place.resident, outsider):
        with pytest.raises(Forbidden):
            services.comment_answer(who, c, "Odgovor")


# --------------------------------------------------------------------------------------------- moderation


def test_a_report_is_once_per_person(place):
    c = services.comment_add(place.neighbour, unit(place), "Žaljivka")
    services.comment_report(place.resident, c, "Žaljivo")
    with pytest.raises(Refused, match="already reported"):
        services.comment_report(place.resident, c, "Spet")
    assert CommentReport.objects.count() == 1


def test_an_unconfirmed_account_cannot_report(place):
    c = services.comment_add(place.neighbour, unit(place), "Besedilo")
    with pytest.raises(Forbidden):
        services.comment_report(place.unconfirmed, c, "Razlog")


def test_a_moderator_hides_with_a_reason_and_unhides_and_both_are_audited(place):
    c = services.comment_add(place.neighbour, unit(place), "Žaljivka")
    services.comment_report(place.resident, c, "Žaljivo")
    with pytest.raises(Refused) as err:
        services.comment_hide(place.staff, c, "")
    assert err.value.field == "reason"
    services.comment_hide(place.staff, c, "žaljiva vsebina")
    c.refresh_from_db()
    assert c.hidden and c.hidden_reason == "žaljiva vsebina" and c.hidden_by == place.staff
    assert not CommentReport.objects.filter(resolved_at__isnull=True).exists()
    services.comment_unhide(place.staff, c)
    c.refresh_from_db()
    assert not c.hidden
    ct = ContentType.objects.get_for_model(Comment)
    changes = AuditEntry.objects.filter(content_type=ct, object_id=str(c.pk), action="update")
    assert changes.count() == 2
    assert all(e.user == place.staff for e in changes)


def test_a_moderator_by_permission_moderates_every_organisation(place):
    from django.contrib.auth.models import Permission

    c = services.comment_add(place.neighbour, unit(place), "Besedilo")
    mod = UserFactory(username="moderator")
    with pytest.raises(Forbidden):
        services.comment_hide(mod, c, "razlog")
    mod.user_permissions.add(Permission.objects.get(codename="moderate_comment"))
    mod = type(mod).objects.get(pk=mod.pk)
    services.comment_hide(mod, c, "razlog")


def test_residents_do_not_moderate(place):
    c = services.comment_add(place.neighbour, unit(place), "Besedilo")
    with pytest.raises(Forbidden):
        services.comment_hide(place.resident, c, "razlog")


def test_a_hidden_comment_shows_its_reason_to_the_public_and_its_text_to_moderators(place, client):
    c = services.comment_add(place.neighbour, unit(place), "Skrivnost 123")
    services.comment_hide(place.staff, c, "oglaševanje")
    page = client.get(place.consultation.get_absolute_url()).content.decode()
    assert "Skrivnost 123" not in page
    assert "oglaševanje" in page  # "skrito: oglaševanje" (hidden: …), with the reason
    client.force_login(place.staff)
    page = client.get(place.consultation.get_absolute_url()).content.decode()
    assert "Skrivnost 123" in page


def test_a_hidden_comment_takes_no_replies_and_no_reports(place):
    c = services.comment_add(place.neighbour, unit(place), "Besedilo")
    services.comment_hide(place.staff, c, "razlog")
    with pytest.raises(Refused):
        services.comment_add(place.resident, unit(place), "Odgovor", parent=c)
    with pytest.raises(Refused):
        services.comment_report(place.resident, c, "razlog")


# ------------------------------------------------------------------------------------------ agenda items


def test_residents_comment_on_a_public_agenda_item_until_the_day_after_the_session(place, clock):
    body = BodyFactory(organisation=place.town, kind="assembly")
    item = AgendaItemFactory(
        session=SessionFactory(body=body, date=dt.date(2026, 3, 10)), title="Proračun 2027"
    )
    clock(dt.datetime(2026, 3, 9, 12, tzinfo=dt.UTC))
    c = services.comment_add(place.neighbour, item, "Več za šport.")
    assert c.organisation == place.town
    clock(dt.datetime(2026, 3, 12, 12, tzinfo=dt.UTC))
    with pytest.raises(Refused, match="session is over"):
        services.comment_add(place.neighbour, item, "Prepozno")


def test_an_object_that_is_no_target_takes_no_comments(place):
    with pytest.raises(Refused):
        services.comment_add(place.neighbour, place.town, "Zdravo")


def test_the_moderation_queue_reads_in_a_fixed_number_of_queries(place, client):
    """Each reported comment shows its open reports and links to where it stands (a consultation's part
    or a proposal): read with the queue, not once per comment."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(place.staff)
    targets = [unit(place), place.proposal]

    def report(n):
        for i in range(n):
            c = services.comment_add(place.neighbour, targets[i % 2], f"Sporno {i}")
            services.comment_report(place.resident, c, f"Razlog {i}")

    def queries():
        with CaptureQueriesContext(connection) as q:
            page = client.get("/sodelovanje/moderiranje/")
        assert page.status_code == 200
        return len(q.captured_queries), page.content.decode()

    report(2)
    two, _ = queries()
    report(4)
    six, html = queries()
    assert all(f"Razlog {i}" in html for i in range(4))
    assert html.count(place.proposal.get_absolute_url()) == 3 and html.count("?enota=") >= 3
    assert six <= two  # (the first page also reads the kinds of target into Django's cache)
