"""Participation tells people through notify: a mention, an official answer, a proposal's new state
(its author and supporters directly, its followers per their channels), a consultation's report."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from regija.accounts.models import Profile
from regija.notify import services as notify
from regija.notify.models import Notification
from regija.participation import services
from tests.factories import confirmed_user, resident

pytestmark = pytest.mark.django_db


def told(user, kind):
    return list(Notification.objects.filter(user=user, kind=kind).order_by("pk"))


def test_a_mentioned_person_is_told_in_their_language_and_by_e_mail_the_author_is_not(place, commit):
    Profile.objects.update_or_create(user=place.resident, defaults={"language": "en"})
    unit = place.consultation.units.get(label="U1")
    text = "Kaj meni @metka? Jaz sem @janez."
    comment = commit(services.comment_add, place.neighbour, unit, text)
    (n,) = told(place.resident, "mention")
    assert n.title == "janez mentioned you in a comment" and n.body == text
    assert n.url == unit.get_absolute_url()
    assert not told(place.neighbour, "mention")  # mentioning oneself tells nobody
    assert [m.to for m in mail.outbox] == [[place.resident.email]]
    assert comment.mentions.count() == 2


def test_the_author_of_a_comment_hears_of_its_answer_once_per_new_text(place, commit):
    unit = place.consultation.units.get(label="U1")
    comment = services.comment_add(place.neighbour, unit, "Kdaj bo kolesarska steza?")
    commit(services.comment_answer, place.staff, comment, "Prihodnje leto.")
    commit(services.comment_answer, place.staff, comment, "Prihodnje leto.")  # unchanged: not again
    commit(services.comment_answer, place.staff, comment, "")  # removed: nothing to tell
    (n,) = told(place.neighbour, "comment_answered")
    assert n.title == "Mestna občina Velenje: odgovor na vašo pripombo" and n.body == "Prihodnje leto."


def test_a_proposal_s_new_state_reaches_author_supporters_and_followers_each_once(place, commit):
    supporter = resident(place.town, username="ana")
    both = resident(place.town, username="bojan")  # supports and follows
    follower = confirmed_user(username="cene")
    services.proposal_support(supporter, place.proposal)
    services.proposal_support(both, place.proposal)
    notify.follow(follower, place.proposal, email="immediate")
    notify.follow(both, place.proposal, email="immediate")
    commit(services.proposal_transition, place.staff, place.proposal, "accepted", "Klopi postavimo spomladi.")
    for person in (place.resident, supporter, both, follower):
        (n,) = told(person, "proposal_state")
        assert n.title == "Pobuda »Klopi v parku« je zdaj sprejeta", person
        assert n.body == "Klopi postavimo spomladi." and n.url == place.proposal.get_absolute_url()
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        p.email for p in (place.resident, supporter, both, follower)
    )
    assert not told(place.staff, "proposal_state")


def test_a_consultation_s_followers_hear_that_its_report_is_published(place, commit, clock):
    follower = confirmed_user(username="dora")
    notify.follow(follower, place.consultation)  # digest by default: in the list, e-mailed in the digest
    clock(place.consultation.closes_at + dt.timedelta(hours=1))
    commit(services.consultation_publish_report, place.staff, place.consultation)
    (n,) = told(follower, "consultation_report")
    assert n.title == "Poročilo javne obravnave »Javna obravnava osnutka« je objavljeno"
    assert n.url == place.consultation.get_absolute_url() and n.email == "daily"
    assert not mail.outbox


def test_a_proposal_and_a_consultation_are_followed_from_their_pages(place, client):
    from django.urls import reverse

    from regija.notify.models import Subscription

    client.force_login(place.neighbour)
    for topic, label in (
        (place.proposal, "participation.proposal"),
        (place.consultation, "participation.consultation"),
    ):
        page = client.get(topic.get_absolute_url()).content.decode()
        assert f'action="{reverse("notify:follow")}"' in page and f'value="{label}"' in page
        r = client.post(
            reverse("notify:follow"), {"type": label, "id": topic.pk, "action": "follow", "next": "/"}
        )
        assert r.status_code == 302
    assert sorted(
        Subscription.objects.filter(user=place.neighbour).values_list("content_type__model", "object_id")
    ) == [("consultation", place.consultation.pk), ("proposal", place.proposal.pk)]
