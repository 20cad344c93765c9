"""Issue 16's journeys in headless Chromium, as the people who make them:

1. a resident signs up, confirms the address by the link in the captured e-mail, is verified as a
   resident by the municipality's staff (the staff's residents page), signs in, supports a proposal
   (pobuda) – the count rises, and a second support, from a tab still showing the button, is refused
   with a clear message – and votes in a participatory budget with the knapsack rule: a choice over the
   area's budget is flagged as it is ticked and kept from being sent (the page's script), and refused
   by the server when the script did not load; a fitting one is accepted, and the ballot can be changed
   until voting closes; then they follow their area (KS Center) by its page's Follow button and choose
   e-mail at once for it, the municipality's editor (a second browser context) issues an alert for the
   area on the staff's alerts page, and the resident sees its banner on the portal, finds it marked
   priority in their notifications and gets it by e-mail with a one-click List-Unsubscribe (RFC 8058);
2. the municipality's staff review the proposals (feasible with a cost – a cost over the area's budget
   refused –, or not feasible with the reason), put them on the ballot, and after the vote publish the
   results and create the projects: the winning proposal becomes a Regija project whose page shows its
   budget, strategy node and area.

Each step is its own function (``j.do(step)``), so a step can be added between two others. As in
test_journeys.py: at each step axe-core finds no WCAG 2.1 A/AA violation and the browser reports no
violation of the Content-Security-Policy, and a screenshot goes to ``REGIJA_ARTEFACTS``/journeys/. The
e-mails land in ``django.core.mail.outbox`` (the live server runs in this process). What exists before
the person arrives – the municipality, its participatory budget in the phase the journey needs, a
proposal to support, the other residents' ballots – is made through the services, with the server clock
held in the phase (tests.budgeting.world). SQLite only (see conftest.py).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from .conftest import _session, _sl

pytestmark = [pytest.mark.browser, pytest.mark.external, pytest.mark.django_db]

NBSP = "\u00a0"
# a journey takes seconds (15 to 30 here, most of them axe-core's, more while the machine is busy); one
# that slows to minutes fails
LIMIT = 90


def _eur(amount: str) -> str:
    """An amount as a Slovenian page writes it: 12.000,00 €."""
    whole, cents = amount.split(".")
    groups = f"{int(whole):,}".replace(",", ".")
    return f"{groups},{cents}{NBSP}€"


def _message(page):
    """The page's messages (notification banners: what a sent form did, or why it was refused)."""
    return page.locator(".regija-messages")


# ------------------------------------------------------------------------------------------ 1. a resident

EMAIL = "nina.zupan@example.si"
PASSWORD = "Krajevna-skupnost-2026"
# the alert the municipality's staff issue for KS Center, the resident's area
ALERT_TITLE = "Ni vode v KS Center"
ALERT_TEXT = "Zaradi okvare vodovoda do 14.00 ni pitne vode."
# the ballot of KS Center (budget 20.000,00 €): the three proposals cost 22.500,00 € together
COSTS = ["12000.00", "6500.00", "4000.00"]


@pytest.fixture
def voting_world(db, clock):
    """Občina Participacija's knapsack participatory budget in its voting phase (KS Center's ballot:
    12.000, 6.500 and 4.000 € for a budget of 20.000 €), a proposal (pobuda) to the municipality with its
    author's support, and a session of the municipality's staff."""
    from regija.participation import services as participation
    from tests.budgeting.world import build, proposals_on_ballot

    pb = build(clock)
    made = proposals_on_ballot(pb, {"center": COSTS})
    pb.at("voting")
    neighbour = pb.voter("hrib", username="sosed")
    pobuda = participation.proposal_create(
        neighbour,
        participation.ProposalData(
            organisation=pb.municipality,
            title="Pločnik do šole",
            text="Otroci hodijo v šolo po cesti brez pločnika.",
        ),
    )
    participation.proposal_support(neighbour, pobuda)
    return pb, made["center"], pobuda, _session(pb.staff)


def test_a_resident_signs_up_supports_a_proposal_and_votes(
    voting_world, journey, clock, django_capture_on_commit_callbacks
):
    from django.core import mail
    from playwright.sync_api import expect

    from regija.notify.models import EmailMode
    from tests.budgeting.world import DATES

    pb, ballot, pobuda, staff_session = voting_world
    vote_url = f"/participativni-proracun/{pb.process.slug}/glasovanje/"
    budget = _eur("20000.00")
    big, middle, small = ballot  # 12.000, 6.500 and 4.000 €

    def sign_up(page):
        page.goto("/")
        page.get_by_role("link", name=_sl("Sign in"), exact=True).click()
        page.wait_for_url(re.compile(r".*/prijava/.*"))
        j.seen("sign-in-page")
        page.get_by_role("link", name="Ustvarite račun").click()  # the link says where it goes
        page.wait_for_url(re.compile(r".*/racun/registracija/.*"))
        j.seen("sign-up")
        page.fill("#id_email", EMAIL)
        page.fill("#id_password1", PASSWORD)
        page.fill("#id_password2", PASSWORD)
        page.locator("#id_consent").check()
        page.locator("main form [type=submit]").click()
        page.wait_for_url("**/racun/potrditev/")
        expect(page.locator("h1")).to_have_text(_sl("Verify Your Email Address"))
        j.seen("confirmation-sent")

    def confirm(page, link):
        page.goto(link)
        expect(page.locator("main")).to_contain_text(EMAIL)
        j.seen("confirm-link")
        page.locator("main form [type=submit]").click()
        # confirmed and signed in, back where the sign-up started (the home page)
        page.wait_for_url(re.compile(r"^[^?]*/$"))
        expect(_message(page)).to_contain_text(EMAIL)
        expect(page.get_by_role("button", name=_sl("Sign out"))).to_be_visible()
        j.seen("confirmed")

    def staff_verify(page):
        page.goto("/racun/prebivalci/")
        j.seen("staff-residents")
        page.fill("#id_email", EMAIL)
        page.select_option("#id_municipality", label=pb.municipality.name)
        page.select_option("#id_area", label=pb.center.name)
        page.fill("#id_note", "osebna izkaznica, vpogled na okencu")
        page.get_by_role("button", name=_sl("Verify"), exact=True).click()
        page.wait_for_url("**/racun/prebivalci/")
        expect(_message(page)).to_contain_text(EMAIL)
        expect(page.locator("main table").last).to_contain_text(EMAIL)
        j.seen("staff-verified")

    def sign_in(page):
        page.goto(f"/pobude/{pobuda.pk}/")
        page.get_by_role("link", name=_sl("Sign in to support it.")).click()
        page.wait_for_url(re.compile(r".*/prijava/\?next=.*"))
        j.seen("sign-in")
        page.fill("#id_login", EMAIL)
        page.fill("#id_password", PASSWORD)
        page.locator("main form [type=submit]").click()
        page.wait_for_url(f"**/pobude/{pobuda.pk}/")

    def support(page):
        supports = page.locator("#supports")
        expect(supports).to_contain_text(re.compile(rf"^\s*1\D.*{pobuda.threshold}"))
        j.seen("proposal")
        # the same proposal in a second tab, opened before supporting: it still offers the button
        other = page.context.new_page()
        other.goto(f"/pobude/{pobuda.pk}/")
        page.get_by_role("button", name=_sl("Support this proposal")).click()
        page.wait_for_url(f"**/pobude/{pobuda.pk}/")
        expect(_message(page)).to_contain_text(_sl("Thank you for your support."))
        expect(supports).to_contain_text(re.compile(rf"^\s*2\D.*{pobuda.threshold}"))
        expect(page.get_by_role("button", name=_sl("Support this proposal"))).to_have_count(0)
        j.seen("supported")
        other.get_by_role("button", name=_sl("Support this proposal")).click()
        other.wait_for_url(f"**/pobude/{pobuda.pk}/")
        expect(_message(other)).to_contain_text(_sl("You already support this proposal."))
        expect(other.locator("#supports")).to_contain_text(re.compile(r"^\s*2\D"))
        other.close()

    def vote(page):
        page.goto(vote_url)
        expect(page.locator("h1")).to_have_text(_sl("Vote"))
        total = page.locator("#running-total")
        # ticking all three: the running total says at once that it is over the budget
        for p in ballot:
            page.locator(f"#p-{p.pk}").check()
        over = _sl("Over the budget: {total} of {budget}")
        expect(total).to_have_text(over.replace("{total}", _eur("22500.00")).replace("{budget}", budget))
        expect(total).to_have_class(re.compile(r"\bgovuk-error-message\b"))
        j.seen("vote-over-the-budget")
        # sent: the page's script keeps it back (nothing reaches the server) and points to the total
        posts: list[str] = []

        def sent(request):
            if request.method == "POST":
                posts.append(request.url)

        page.on("request", sent)
        page.get_by_role("button", name=_sl("Cast my vote")).click()
        expect(total).to_be_focused()
        page.remove_listener("request", sent)
        assert posts == [], f"a ballot over the budget was sent: {posts}"
        expect(page.locator(".govuk-error-summary")).to_have_count(0)

        # the same page when its script did not load (a bad connection): the server refuses the ballot,
        # saying by how much, keeps the choice to correct and records nothing
        script = "**/budgeting/vote*.js"
        page.route(script, lambda route: route.abort())
        page.reload()
        expect(total).to_be_hidden()
        for p in ballot:
            page.locator(f"#p-{p.pk}").check()
        page.get_by_role("button", name=_sl("Cast my vote")).click()
        summary = page.locator(".govuk-error-summary")
        expect(summary).to_contain_text(_eur("22500.00"))
        expect(summary).to_contain_text(budget)
        expect(page.locator(f"#p-{small.pk}")).to_be_checked()
        expect(page.locator(".govuk-inset-text")).to_have_count(0)
        j.seen("vote-refused-by-the-server")
        page.unroute(script)

        # with the script again: one fewer fits the budget
        page.goto(vote_url)
        page.locator(f"#p-{big.pk}").check()
        page.locator(f"#p-{middle.pk}").check()
        expect(total).to_contain_text(_eur("18500.00"))
        page.get_by_role("button", name=_sl("Cast my vote")).click()
        page.wait_for_url(f"**{vote_url}")
        expect(_message(page)).to_be_visible()
        expect(page.locator(".govuk-inset-text")).to_be_visible()  # the receipt, and until when
        expect(page.locator(f"#p-{big.pk}")).to_be_checked()
        expect(page.locator(f"#p-{middle.pk}")).to_be_checked()
        expect(page.locator(f"#p-{small.pk}")).not_to_be_checked()
        receipt = page.locator(".govuk-inset-text").inner_text()
        j.seen("voted")

        # changed before voting closes: the middle one out, the small one in
        page.locator(f"#p-{middle.pk}").uncheck()
        page.locator(f"#p-{small.pk}").check()
        expect(total).to_contain_text(_eur("16000.00"))
        page.get_by_role("button", name=_sl("Change my vote")).click()
        page.wait_for_url(f"**{vote_url}")
        expect(page.locator(f"#p-{middle.pk}")).not_to_be_checked()
        expect(page.locator(f"#p-{small.pk}")).to_be_checked()
        assert page.locator(".govuk-inset-text").inner_text() != receipt, "a changed vote has a new receipt"
        j.seen("vote-changed")

    def follow_area(page):
        # the resident's local community, from its page: following it starts with a daily digest
        page.goto(pb.center.get_absolute_url())
        expect(page.locator("h1")).to_have_text(pb.center.name)
        j.seen("area")
        page.get_by_role("button", name=_sl("Follow"), exact=True).click()
        page.wait_for_url(f"**{pb.center.get_absolute_url()}")
        expect(_message(page)).to_contain_text(pb.center.name)
        expect(page.get_by_role("button", name=_sl("Stop following"))).to_be_visible()
        j.seen("area-followed")
        # …changed to e-mail at once in the notification settings
        page.get_by_role("link", name=_sl("Notification settings")).first.click()
        page.wait_for_url("**/obvestila/nastavitve/")
        email = page.get_by_label(f"{_sl('E-mail')} – {pb.center.name}")
        expect(email).to_have_value("daily")
        email.select_option(label=_sl(EmailMode.IMMEDIATE.label))
        page.get_by_role("button", name=_sl("Save choices")).click()
        page.wait_for_url("**/obvestila/nastavitve/")
        expect(_message(page)).to_contain_text(_sl("Your choices are saved."))
        expect(page.get_by_label(f"{_sl('E-mail')} – {pb.center.name}")).to_have_value("immediate")
        j.seen("notification-settings")

    def issue_alert(page):
        page.goto("/obvestila/opozorila/")
        expect(page.locator("h1")).to_have_text(_sl("Alerts"))
        staff.seen("alerts")
        page.select_option("#a-area", label=f"{pb.center.name} ({pb.municipality})")
        page.fill("#a-title_sl", ALERT_TITLE)
        page.fill("#a-title_en", "No water in KS Center")
        page.fill("#a-body_sl", ALERT_TEXT)
        page.get_by_role("button", name=_sl("Issue the alert")).click()
        page.wait_for_url("**/obvestila/opozorila/")
        expect(_message(page)).to_contain_text(_sl("The alert is issued; its followers are being told."))
        issued = page.locator("main table tbody tr").filter(has_text=ALERT_TITLE)
        expect(issued).to_contain_text(pb.center.name)
        staff.seen("alert-issued")

    def alerted(page):
        # the banner, on the portal's pages, names the area and links to it
        page.goto("/")
        banner = page.locator(".regija-alert").filter(has_text=ALERT_TITLE)
        expect(banner).to_have_attribute("role", "alert")
        expect(banner).to_contain_text(ALERT_TEXT)
        expect(banner.get_by_role("link", name=pb.center.name)).to_be_visible()
        j.seen("alert-banner")
        # the header counts it unread; the list shows it first, marked priority
        header = page.locator("header").get_by_role("link", name=re.compile(f"^{_sl('Notifications')}"))
        expect(header).to_contain_text(f"1 {_sl('unread')}")
        header.click()
        page.wait_for_url("**/obvestila/")
        first = page.locator(".regija-notification").first
        expect(first).to_contain_text(ALERT_TITLE)
        expect(first).to_contain_text(_sl("priority"))
        expect(first).to_contain_text(ALERT_TEXT)
        j.seen("notifications")

    def after_close(page):
        page.goto(vote_url)
        expect(page.locator("main")).to_contain_text(_sl("Voting has closed."))
        expect(page.locator("main form input[type=checkbox]")).to_have_count(0)
        j.seen("voting-closed")

    j = journey("resident", limit=LIMIT)
    j.do(sign_up)
    (message,) = mail.outbox
    assert message.to == [EMAIL]
    link = re.search(r"https?://\S+/racun/potrditev/\S+/", message.body).group(0)
    j.do(confirm, link)
    j.be(staff_session)
    j.do(staff_verify)
    j.be(None)
    j.do(sign_in)
    j.do(support)
    j.do(vote)
    clock(DATES["voting_to"] + dt.timedelta(hours=1))  # voting has closed (an hour ago)
    j.do(after_close)

    # the resident follows KS Center; the municipality's staff, in a browser of their own, issue an alert
    # for it. The fan-out waits for the request's commit (transaction.on_commit), which a test's
    # transaction never makes: what the server thread queued runs when the block ends, as tests/notify do.
    j.do(follow_area)
    staff = journey("alert-staff", beside=j)
    staff.be(_session(pb.staff))  # signed in today
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as queued:
        staff.do(issue_alert)
    assert queued, "issuing the alert queued no fan-out"
    j.do(alerted)
    # the e-mail at once (the resident's choice – an alert would go at once even with a digest)
    (alert_mail,) = [m for m in mail.outbox if m.to == [EMAIL]]
    assert ALERT_TITLE in alert_mail.subject
    assert ALERT_TEXT in alert_mail.body
    assert alert_mail.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    unsubscribe = alert_mail.extra_headers["List-Unsubscribe"]
    assert re.fullmatch(r"<https?://\S+/obvestila/odjava/\S+/>", unsubscribe), unsubscribe
    assert unsubscribe.strip("<>") in alert_mail.body  # the same link in the text

    # what was recorded: one support, one ballot with the changed choice
    from regija.budgeting.models import Ballot
    from regija.participation.models import Support

    pobuda.refresh_from_db()
    assert pobuda.supports_count == 2
    assert Support.objects.filter(proposal=pobuda, user__email=EMAIL).count() == 1
    (cast,) = Ballot.objects.filter(process=pb.process, voter__email=EMAIL)
    assert sorted(c.proposal_id for c in cast.choices.all()) == sorted([big.pk, small.pk])


# ---------------------------------------------------------------------------------------------- 2. staff

# KS Center's proposals (its budget: 20.000,00 €) with the costs the staff estimate, and the votes they
# get: ranked by votes, the first (12.000) is selected, the second (9.000) no longer fits what is left
# (8.000), the third (4.000) does – the knapsack rule's greedy selection
PROPOSED = [
    ("Igrišče pri šoli", "12.000,00", 3),
    ("Kolesarnica ob postaji", "9.000,00", 2),
    ("Pitnik v parku", "4.000,00", 1),
]
NOT_FEASIBLE = ("Most čez Savinjo", "Most presega proračun krajevne skupnosti in ni na občinskem zemljišču.")


@pytest.fixture
def review_world(db, clock):
    """Občina Participacija's knapsack participatory budget in its feasibility review, with four
    proposals of KS Center's residents waiting for it, and the municipality's staff."""
    from regija.budgeting import services
    from tests.budgeting.world import build

    pb = build(clock)
    pb.at("proposals")
    author = pb.voter("center", username="predlagateljica")
    made = [
        services.proposal_submit(
            author, pb.process, pb.area_center, title=title, description="Predlog krajanov KS Center."
        )
        for title in [t for t, _cost, _votes in PROPOSED] + [NOT_FEASIBLE[0]]
    ]
    pb.at("review")
    return pb, made


def test_staff_review_publish_the_results_and_the_winner_becomes_a_project(review_world, journey, clock):
    from playwright.sync_api import expect

    from regija.budgeting import services
    from regija.budgeting.models import ProposalStatus
    from tests.budgeting.world import DATES

    pb, made = review_world
    process_url = f"/participativni-proracun/{pb.process.slug}/"
    manage_url = f"{process_url}upravljanje/"
    results_url = f"{process_url}rezultati/"
    budget = _eur("20000.00")

    def review(page):
        page.goto(process_url)
        page.get_by_role("link", name=_sl("Manage"), exact=True).click()
        page.wait_for_url(f"**{manage_url}")
        expect(page.locator("main")).to_contain_text(_sl(ProposalStatus.SUBMITTED.label) + ": 4")
        j.seen("manage-review")
        for number, (title, cost, _votes) in enumerate(PROPOSED, start=1):
            page.goto(manage_url)
            page.locator("main").get_by_role("link", name=pb.center.name, exact=True).click()
            page.locator("main table").get_by_role("link", name=title).click()
            page.wait_for_url(f"**/predlogi/{number}/")
            page.locator("input[name=decision][value=feasible]").check()
            if number == 1:  # typed over the area's budget first: refused, with both amounts
                page.fill("input[name=cost]", "25.000,00")
                page.get_by_role("button", name=_sl("Save the review")).click()
                summary = page.locator(".govuk-error-summary")
                expect(summary).to_contain_text(_eur("25000.00"))
                expect(summary).to_contain_text(budget)
                j.seen("review-over-the-budget")
            page.fill("input[name=cost]", cost)
            page.get_by_role("button", name=_sl("Save the review")).click()
            page.wait_for_url(f"**/predlogi/{number}/")
            expect(_message(page)).to_contain_text(_sl("The review is saved."))
            main = page.locator("main dl")
            expect(main).to_contain_text(_sl(ProposalStatus.FEASIBLE.label))
            expect(main).to_contain_text(f"{cost}{NBSP}€")
            if number == 1:
                j.seen("reviewed-feasible")
        title, reason = NOT_FEASIBLE
        page.goto(manage_url)
        page.locator("main").get_by_role("link", name=pb.center.name, exact=True).click()
        page.locator("main table").get_by_role("link", name=title).click()
        page.locator("input[name=decision][value=not_feasible]").check()
        page.fill("textarea[name=note]", reason)
        page.get_by_role("button", name=_sl("Save the review")).click()
        expect(_message(page)).to_contain_text(_sl("The review is saved."))
        expect(page.locator("main dl")).to_contain_text(_sl(ProposalStatus.NOT_FEASIBLE.label))
        expect(page.locator("main dl")).to_contain_text(reason)
        j.seen("reviewed-not-feasible")

    def ballot(page):
        page.goto(manage_url)
        page.get_by_role("button", name=_sl("Put the feasible proposals on the ballot")).click()
        page.wait_for_url(f"**{manage_url}")
        expect(_message(page)).to_contain_text(_sl("%(n)d proposals are on the ballot.") % {"n": 3})
        j.seen("on-the-ballot")

    def publish(page):
        page.goto(manage_url)
        count = page.locator("main table").filter(has_text=PROPOSED[0][0])
        yes, no = _sl("yes"), _sl("no")
        for title, cost, votes in PROPOSED:
            row = count.locator("tbody tr").filter(has_text=title)
            expect(row.locator("td")).to_have_text(
                [str(votes), f"{cost}{NBSP}€", yes if title != PROPOSED[1][0] else no]
            )
        j.seen("count")
        page.get_by_role("button", name=_sl("Publish the results")).click()
        page.wait_for_url(f"**{results_url}")
        expect(_message(page)).to_contain_text(_sl("The results are published."))
        center = page.locator("main section").filter(has=page.get_by_role("heading", name=pb.center.name))
        rows = center.locator("tbody tr")
        expect(rows).to_have_count(3)
        selected = _sl("selected", "budget proposal")
        expect(rows.nth(0)).to_contain_text(selected)
        expect(rows.nth(1)).to_contain_text(_sl("not selected", "budget proposal"))
        expect(rows.nth(2)).to_contain_text(selected)
        # KS Hrib had nothing on its ballot: said in words, not as an empty table
        hrib = page.locator("main section").filter(has=page.get_by_role("heading", name=pb.hrib.name))
        expect(hrib.locator("table")).to_have_count(0)
        expect(hrib).to_contain_text(_sl("No proposals."))
        j.seen("results")

    def projects(page):
        page.goto(process_url)
        page.get_by_role("link", name=_sl("Manage"), exact=True).click()
        page.get_by_role("button", name=_sl("Create the projects")).click()
        page.wait_for_url(f"**{manage_url}")
        expect(_message(page)).to_contain_text(_sl("%(n)d projects are created.") % {"n": 2})
        j.seen("projects-created")

        # the winner, from the public results, is a project of the municipality
        page.goto(results_url)
        winner = page.locator("main table tbody tr").filter(has_text=PROPOSED[0][0])
        winner.get_by_role("link", name=_sl("project")).click()
        page.wait_for_url("**/projekti/**")
        expect(page.locator("h1")).to_have_text(PROPOSED[0][0])

        def fact(label: str):
            return page.locator("main dl .govuk-summary-list__row").filter(
                has=page.locator("dt", has_text=re.compile(f"^{re.escape(_sl(label))}$"))
            )

        expect(fact("Place")).to_contain_text(pb.center.name)  # the area
        expect(fact("Holder")).to_contain_text(pb.municipality.name)
        expect(fact("Chosen by residents in")).to_contain_text(pb.process.title)
        budget_table = page.locator("main table").filter(has_text=pb.fund.name)
        expect(budget_table.locator("tbody tr")).to_have_count(1)
        expect(budget_table.locator("tbody tr td").first).to_have_text(f"{PROPOSED[0][1]}{NBSP}€")
        node = page.locator("main").get_by_role("link", name=f"{pb.node.code} {pb.node.title}")
        expect(node).to_be_visible()
        j.seen("project")

    j = journey("budget-staff", limit=LIMIT)
    j.be(_session(pb.staff))
    j.do(review)
    j.do(ballot)
    # the residents of KS Center vote (their pages are the resident's journey)
    pb.at("voting")
    by_title = {p.title: p for p in made}
    ballots = [[0, 2], [0], [0], [1], [1]]  # 3 votes for the first, 2 for the second, 1 for the third
    for i, chosen in enumerate(ballots):
        voter = pb.voter("center", username=f"krajan{i}")
        services.cast_ballot(voter, pb.process, [by_title[PROPOSED[k][0]].pk for k in chosen])
    clock(DATES["voting_to"] + dt.timedelta(hours=1))  # voting has closed; staff sign in that day
    j.be(_session(pb.staff))
    j.do(publish)
    j.do(projects)
