"""Web addresses (an organisation's website, a strategy's source document): only http:// and https:// are
accepted, at every door – the strategy and governance files, the API, the back office – with a message
that says where; and a value stored before the rule (or written around it) is shown as text, never as a
link, and never handed out by the API.

Issue 12: "javascript: URLs are published as links (strategy source URL, organisation website)". A
browser runs a javascript: link when it is followed; the scheme is case-insensitive, and browsers drop
tabs and line breaks inside a URL and leading spaces (WHATWG URL Standard), so all of those are refused.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import translation

from regija.core.models import Organisation
from regija.strategies.models import Strategy
from tests.admin_forms import change_form_data
from tests.api.conftest import BASE
from tests.interchange.test_bad_input import refused, replace_once

pytestmark = pytest.mark.django_db

VELENJE = "velenje-pametno-mesto-2022-2030"
MOV = "mov"  # Mestna občina Velenje, an owner of VELENJE
ATTACK = "javascript:alert(document.cookie)"
LAS_FILE = Path(__file__).resolve().parents[2] / "data" / "governance" / "las-zasavje.yaml"


# --------------------------------------------------------------------------------------------- the rule


@pytest.mark.parametrize(
    "address",
    ["https://www.ki.si", "http://www.las-zasavje.eu/", "HTTPS://WWW.VELENJE.SI/strategija.pdf?v=2#str-3"],
)
def test_web_addresses_are_accepted(address):
    from regija.core.validators import url_problem

    assert url_problem(address) is None


@pytest.mark.parametrize(
    "address, says",
    [
        (ATTACK, "not javascript:"),
        ("JavaScript:alert(1)", "not javascript:"),
        ("  javascript:alert(1)", "not javascript:"),
        ("java\tscript:alert(1)", "spaces, tabs or line breaks"),
        ("java\nscript:alert(1)", "spaces, tabs or line breaks"),
        ("data:text/html,<script>alert(1)</script>", "not data:"),
        ("vbscript:msgbox(1)", "not vbscript:"),
        ("file:///etc/passwd", "not file:"),
        ("mailto:info@velenje.si", "not mailto:"),  # a website is not an e-mail address
        ("www.velenje.si", "starting with http:// or https://"),
        ("//evil.example/x", "starting with http:// or https://"),
        ("https://", "not a valid address"),
    ],
)
def test_other_addresses_are_refused_with_the_reason(address, says):
    from regija.core.validators import url_problem

    assert says in url_problem(address)


def test_an_address_field_may_also_take_mailto():
    """No field holds an e-mail address today; one that does would accept mailto: and still nothing else."""
    from regija.core.validators import ADDRESS_SCHEMES, url_problem

    assert url_problem("mailto:info@velenje.si", ADDRESS_SCHEMES) is None
    assert url_problem("https://www.velenje.si/", ADDRESS_SCHEMES) is None
    assert "not a valid address" in url_problem("mailto:javascript:alert(1)", ADDRESS_SCHEMES)
    assert "not javascript:" in url_problem(ATTACK, ADDRESS_SCHEMES)


# --------------------------------------------------------------------------------------------- file formats


def _line_of(text: str, fragment: str) -> int:
    return text[: text.index(fragment)].count("\n") + 1


def test_strategy_file_refuses_a_javascript_website_on_its_line(write_file, example_text):
    text = replace_once(
        example_text, "    kind: municipality\n", f"    kind: municipality\n    website: {ATTACK}\n"
    )
    with translation.override("en"):  # the English wording (tests/i18n/test_file_problems.py: Slovenian)
        refused(
            write_file(text),
            line=_line_of(text, "website:"),
            field="organisations › obcina-primer › website",
            says="only addresses starting with http:// or https:// are accepted, not javascript:",
        )


def test_strategy_file_refuses_a_javascript_source_url_on_its_line(write_file, example_text):
    text = replace_once(
        example_text, 'reference: "sklep št. 7"}', f'reference: "sklep št. 7", url: "{ATTACK}"}}'
    )
    with translation.override("en"):
        refused(
            write_file(text),
            line=_line_of(text, "url:"),
            field="strategy › source › url",
            says="not javascript:",
        )


def test_strategy_file_accepts_web_addresses(write_file, example_text):
    from regija.interchange.importer import import_files

    text = replace_once(
        example_text,
        "    kind: municipality\n",
        "    kind: municipality\n    website: https://www.primer.si/\n",
    )
    import_files([write_file(text)])
    assert Organisation.objects.get(slug="obcina-primer").website == "https://www.primer.si/"


def test_governance_file_refuses_a_javascript_source_url_on_its_line(write_file):
    from regija.calls.importer import import_files
    from regija.core.files import InvalidFile

    text = LAS_FILE.read_text(encoding="utf-8")
    text = replace_once(text, 'published: "2024-03"}', f'published: "2024-03", url: "{ATTACK}"}}')
    path = write_file(text, "las-zasavje.yaml")
    with translation.override("en"), pytest.raises(InvalidFile) as info:
        import_files([path])
    [problem] = info.value.problems
    assert (problem.file, problem.line, problem.field) == (str(path), _line_of(text, "url:"), "source › url")
    assert "not javascript:" in problem.message


# --------------------------------------------------------------------------------------------- the API
# (PATCH /strategies/{slug} with a javascript: source_url: tests/api/test_web_addresses.py)


def test_the_service_refuses_what_the_api_schema_would(member):
    """Another door (a view, a script) through strategies.services gets the model field's rule."""
    from regija.core.services import Refused
    from regija.strategies import services

    strategy = Strategy.objects.get(slug=VELENJE)
    with translation.override("en"), pytest.raises(Refused) as info:
        services.strategy_update(member("editor", MOV), strategy, {"source_url": ATTACK}, via="web")
    assert info.value.field == "source_url" and info.value.status == 422
    assert str(info.value) == "Enter a web address that starts with http:// or https://."


# --------------------------------------------------------------------------------------------- back office


@pytest.fixture
def superuser_client(client, member):
    client.force_login(member(None, username="root", superuser=True))
    return client


@pytest.mark.parametrize(
    "model, field, url_name, key",
    [
        (
            Organisation,
            "website",
            "admin:core_organisation_change",
            lambda: Organisation.objects.get(slug=MOV),
        ),
        (
            Strategy,
            "source_url",
            "admin:strategies_strategy_change",
            lambda: Strategy.objects.get(slug=VELENJE),
        ),
    ],
)
def test_back_office_refuses_a_javascript_address_next_to_the_field(
    superuser_client, model, field, url_name, key
):
    obj = key()
    before = getattr(obj, field)
    url = reverse(url_name, args=[obj.pk])
    data = change_form_data(superuser_client, url)
    data[field] = ATTACK
    response = superuser_client.post(url, data, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200  # the form again, not a redirect
    errors = response.context["adminform"].form.errors
    assert errors[field] == ["Enter a web address that starts with http:// or https://."]
    assert list(errors) == [field]
    assert getattr(model.objects.get(pk=obj.pk), field) == before


def test_back_office_saves_a_web_address(superuser_client):
    org = Organisation.objects.get(slug=MOV)
    url = reverse("admin:core_organisation_change", args=[org.pk])
    data = change_form_data(superuser_client, url)
    data["website"] = "https://www.velenje.si/"
    response = superuser_client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    org.refresh_from_db()
    assert org.website == "https://www.velenje.si/"


# --------------------------------------------------------------------------------------------- stored values


def _links(html: str) -> list[str]:
    return re.findall(r'<a\s[^>]*href="([^"]*)"', html)


def test_a_stored_javascript_website_is_text_not_a_link(client):
    """Stored before the rule (the model check runs on forms, not on a direct update): kept, shown as text."""
    Organisation.objects.filter(slug=MOV).update(website=ATTACK)
    html = client.get(reverse("organisation", args=[MOV])).content.decode()
    assert "javascript:alert(document.cookie)" in html  # the stored text is shown …
    assert not [h for h in _links(html) if "javascript" in h.lower()]  # … but not linked
    assert Organisation.objects.get(slug=MOV).website == ATTACK  # and not lost


def test_a_stored_javascript_source_url_is_not_a_link(client):
    strategy = Strategy.objects.get(slug=VELENJE)
    Strategy.objects.filter(pk=strategy.pk).update(source_url=" JavaScript:alert(1)")
    html = client.get(reverse("strategy", args=[VELENJE])).content.decode()
    assert strategy.source_title in html
    assert not [h for h in _links(html) if "javascript" in h.lower()]


def test_a_stored_web_address_is_still_a_link(client):
    Organisation.objects.filter(slug=MOV).update(website="https://www.velenje.si/")
    html = client.get(reverse("organisation", args=[MOV])).content.decode()
    assert "https://www.velenje.si/" in _links(html)


def test_the_api_never_hands_out_a_stored_javascript_address(client):
    Organisation.objects.filter(slug=MOV).update(website=ATTACK)
    Strategy.objects.filter(slug=VELENJE).update(source_url=ATTACK)
    assert client.get(f"{BASE}/organisations/{MOV}").json()["website"] == ""
    assert client.get(f"{BASE}/strategies/{VELENJE}").json()["source"]["url"] == ""
    Organisation.objects.filter(slug=MOV).update(website="https://www.velenje.si/")
    assert client.get(f"{BASE}/organisations/{MOV}").json()["website"] == "https://www.velenje.si/"


def test_export_names_a_stored_javascript_website():
    """`regija export` writes only what the file format accepts: it names the record and field instead."""
    from regija.interchange import exporter
    from regija.strategies.models import OrganisationStatement

    # the export writes the organisation as the strategy states it: the stored statement is spoilt too
    Organisation.objects.filter(slug=MOV).update(website=ATTACK)
    statement = OrganisationStatement.objects.get(strategy__slug=VELENJE, organisation__slug=MOV)
    statement.facts["website"] = ATTACK
    statement.save()
    with pytest.raises(exporter.ExportError) as info:
        exporter.to_yaml(Strategy.objects.get(slug=VELENJE))
    assert f"organisation '{MOV}', field website: " in str(info.value)
