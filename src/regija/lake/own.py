"""Regija's own data, published automatically as open datasets.

One dataset per kind of record across the whole instance – strategies, their nodes, alignments,
indicators, observations, projects, budget lines, payments, call results and governance decisions – each
published by the organisation that runs the instance (``REGIJA_PUBLISHER``, created when missing) and
found again by its ``auto`` key ``regija:<slug>``. ``publish_own_data()`` builds every table from the
database (only the rows everyone may read: the public filters the apps register in ``core.registry``),
writes it as Parquet with a fixed schema, column order and row order – so an unchanged database gives a
byte-identical file and ``add_version`` adds no version – and refreshes the metadata.

**Natural persons are never included.** An organisation of kind ``person`` (core.choices) holding a
project or applying to a call is shown as "fizična oseba", without its name, place or coordinates – as
the site shows it; members of governance bodies (people) are not published at all.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import tempfile
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from regija.core import audit, registry
from regija.core.choices import OrganisationKind
from regija.core.models import Organisation

from . import services
from .models import Dataset, Status
from .vocabularies import AccessRights, Frequency, Licence

log = logging.getLogger(__name__)

KEY_PREFIX = "regija:"
PERSON = "fizična oseba"  # what the data says instead of a natural person's name
PARQUET_SPEC = "https://parquet.apache.org/docs/file-format/"
PROVENANCE = (
    "Objavlja samodejno Regija iz svoje podatkovne zbirke ob vsaki spremembi javnih podatkov; vsebuje le "
    "podatke, ki jih vsakdo vidi na straneh Regije, fizičnih oseb pa nikoli ne imenuje. "
    "Published automatically by Regija from its database whenever its public data changes; it holds only "
    "what everyone sees on Regija's pages and never names a natural person."
)
MONEY = pa.decimal128(18, 2)
VALUE = pa.decimal128(24, 6)


@dataclasses.dataclass(frozen=True)
class Col:
    name: str
    type: pa.DataType
    sl: str
    en: str
    unit: str = ""


@dataclasses.dataclass(frozen=True)
class Table:
    """One of Regija's own datasets: its metadata, columns and a builder of its rows."""

    slug: str
    title: str
    title_en: str
    description: str
    description_en: str
    keywords: tuple[str, ...]
    keywords_en: tuple[str, ...]
    themes: tuple[str, ...]
    columns: tuple[Col, ...]
    rows: Callable[[], list[tuple[Any, ...]]]
    # the columns whose dates give the period covered
    dates: tuple[str, ...] = ()
    # where the data comes from and how often it changes (DCAT-AP provenance, frequency)
    provenance: str = PROVENANCE
    frequency: str = Frequency.CONT


# --- helpers -------------------------------------------------------------------------------------


def _public(model: type[Any]) -> Any:
    """The rows of ``model`` everyone may read (as its app registered them)."""
    q = registry.public_filter(model)
    qs = model._default_manager.all()
    return qs.none() if q is None else qs.filter(q)


def _is_person(kind: str | None) -> bool:
    return kind == OrganisationKind.PERSON


def _holder(name: str | None, kind: str | None) -> str | None:
    if name is None:
        return None
    return PERSON if _is_person(kind) else name


def _partial_date(text: str, end: bool = False) -> dt.date | None:
    """'2022', '2022-03' or '2022-03-15' as a day (the first day, or the last with ``end``)."""
    text = (text or "").strip()
    try:
        if len(text) == 4:
            return dt.date(int(text), 12, 31) if end else dt.date(int(text), 1, 1)
        if len(text) == 7:
            year, month = int(text[:4]), int(text[5:])
            if end:
                following = dt.date(year + month // 12, month % 12 + 1, 1)
                return following - dt.timedelta(days=1)
            return dt.date(year, month, 1)
        return dt.date.fromisoformat(text[:10]) if text else None
    except ValueError:
        return None


# --- the tables ----------------------------------------------------------------------------------


def _strategies() -> list[tuple[Any, ...]]:
    from regija.strategies.models import Strategy

    owners: dict[int, list[str]] = {}
    through = Strategy.owners.through.objects.values_list(
        "strategy_id", "organisation__name", "organisation__kind"
    ).order_by("strategy_id", "organisation__slug")
    for sid, name, kind in through:
        owners.setdefault(sid, []).append(_holder(name, kind) or "")
    return [
        (
            s.slug,
            s.title,
            s.title_en or None,
            "; ".join(owners.get(s.pk, [])),
            _partial_date(s.period_start),
            _partial_date(s.period_end, end=True),
            s.adopted_on,
            s.adopted_by or None,
            s.status,
            s.source_title,
            s.source_url or None,
        )
        for s in _public(Strategy).order_by("slug")
    ]


def _nodes() -> list[tuple[Any, ...]]:
    from regija.strategies.models import Node

    rows = (
        _public(Node)
        .order_by("strategy__slug", "path")
        .values_list(
            "strategy__slug",
            "code",
            "level",
            "title",
            "title_en",
            "parent__code",
            "depth",
            "planned_projects",
        )
    )
    return [(s, c, lv, t, te or None, p, d, pp) for s, c, lv, t, te, p, d, pp in rows]


def _alignments() -> list[tuple[Any, ...]]:
    from regija.strategies.models import Alignment

    rows = (
        _public(Alignment)
        .order_by(
            "declared_in__slug",
            "source_node__strategy__slug",
            "source_node__path",
            "target_node__strategy__slug",
            "target_node__path",
            "type",
        )
        .values_list(
            "declared_in__slug",
            "source_node__strategy__slug",
            "source_node__code",
            "target_node__strategy__slug",
            "target_node__code",
            "type",
            "note",
        )
    )
    return [(*r[:6], r[6] or None) for r in rows]


def _indicators() -> list[tuple[Any, ...]]:
    from regija.strategies.models import Indicator

    rows = (
        _public(Indicator)
        .order_by("strategy__slug", "order", "code")
        .values_list(
            "strategy__slug",
            "code",
            "node__code",
            "name",
            "unit",
            "direction",
            "data_source",
            "baseline_value",
            "baseline_date",
            "target_value",
            "target_date",
        )
    )
    return [(*r[:4], r[4] or None, r[5], r[6] or None, *r[7:]) for r in rows]


def _observations() -> list[tuple[Any, ...]]:
    from regija.strategies.models import Observation

    rows = (
        _public(Observation)
        .order_by("indicator__strategy__slug", "indicator__order", "date")
        .values_list("indicator__strategy__slug", "indicator__code", "date", "value", "source")
    )
    return [(*r[:4], r[4] or None) for r in rows]


def _projects() -> list[tuple[Any, ...]]:
    from regija.projects.models import Project

    rows = (
        _public(Project)
        .order_by("strategy__slug", "order", "code")
        .values_list(
            "strategy__slug",
            "code",
            "title",
            "holder__name",
            "holder__kind",
            "status",
            "start",
            "end",
            "municipality",
            "lat",
            "lon",
        )
    )
    out = []
    for slug, code, title, holder, kind, status, start, end, municipality, lat, lon in rows:
        person = _is_person(kind)
        out.append(
            (
                slug,
                code,
                title,
                _holder(holder, kind),
                kind,
                status,
                _partial_date(start),
                _partial_date(end, end=True),
                None if person else municipality or None,
                None if person else lat,
                None if person else lon,
            )
        )
    return out


def _budget_lines() -> list[tuple[Any, ...]]:
    from regija.projects.models import BudgetLine

    rows = _public(BudgetLine).order_by(
        "project__strategy__slug", "project__order", "project__code", "order", "pk"
    )
    return list(
        rows.values_list(
            "project__strategy__slug",
            "project__code",
            "fund__code",
            "fund__name",
            "amount",
            "secured",
            "secured_amount",
        )
    )


def _payments() -> list[tuple[Any, ...]]:
    from regija.projects.models import Payment

    rows = _public(Payment).order_by(
        "project__strategy__slug", "project__order", "project__code", "order", "pk"
    )
    return list(
        rows.values_list(
            "project__strategy__slug", "project__code", "fund__code", "label", "amount", "date", "state"
        )
    )


def _call_results() -> list[tuple[Any, ...]]:
    from regija.calls.models import Application, ApplicationFund, ApplicationStatus
    from regija.calls.selectors import RESULT_STATES, public_calls

    now = timezone.now()
    calls = [c for c in public_calls().select_related("organisation") if c.state_at(now) in RESULT_STATES]
    if not calls:
        return []
    decided = [ApplicationStatus.APPROVED, ApplicationStatus.REJECTED, ApplicationStatus.INELIGIBLE]
    money: dict[int, tuple[Decimal, Decimal | None]] = {}
    for app_id, requested, approved in ApplicationFund.objects.filter(
        application__call__in=calls, application__status__in=decided
    ).values_list("application_id", "requested", "approved"):
        req, appr = money.get(app_id, (Decimal(0), None))
        money[app_id] = (req + requested, appr if approved is None else (appr or Decimal(0)) + approved)
    apps = (
        Application.objects.filter(call__in=calls, status__in=decided)
        .order_by("call__organisation__slug", "call__slug", "number", "pk")
        .values_list(
            "pk",
            "call__organisation__slug",
            "call__slug",
            "call__title",
            "number",
            "applicant__name",
            "applicant__kind",
            "title",
            "status",
            "decided_at",
        )
    )
    out = []
    for pk, org, call, call_title, number, applicant, kind, title, status, decided_at in apps:
        requested, approved = money.get(pk, (None, None))
        out.append(
            (
                org,
                call,
                call_title,
                number,
                _holder(applicant, kind),
                kind,
                title,
                status,
                requested,
                approved if status == ApplicationStatus.APPROVED else None,
                decided_at.date() if decided_at else None,
            )
        )
    return out


def _decisions() -> list[tuple[Any, ...]]:
    from regija.governance.models import Decision

    rows = _public(Decision).order_by(
        "session__body__organisation__slug", "session__body__slug", "session__date", "session__number", "pk"
    )
    return [
        (*r[:5], r[5], r[6] or None)
        for r in rows.values_list(
            "session__body__organisation__slug",
            "session__body__name",
            "session__number",
            "session__date",
            "number",
            "text",
            "agenda_item__title",
        )
    ]


_S, _I, _D, _F = pa.string(), pa.int64(), pa.date32(), pa.float64()
_STRATEGY = Col(
    "strategija", _S, "Oznaka strategije v Regiji (slug)", "The strategy's identifier in Regija (slug)"
)
_NODE_CODE = Col(
    "vozlisce", _S, "Oznaka dela strategije (vozlišča)", "Code of the part of the strategy (node)"
)
_PROJECT = Col("projekt", _S, "Oznaka projekta v strategiji", "The project's code in the strategy")
_FUND = Col("sklad", _S, "Oznaka vira financiranja (sklada)", "Code of the source of funding (fund)")
_STATUS_KINDS = "vrsta organizacije (npr. municipality, company, person)"

TABLES: tuple[Table, ...] = (
    Table(
        "regija-strategije",
        "Razvojne strategije v Regiji",
        "Development strategies in Regija",
        "Vse razvojne strategije, ki jih vodi Regija: naslov, lastniki, obdobje, sprejem in izvorni "
        "dokument.",
        "Every development strategy Regija keeps: title, owners, period, adoption and source document.",
        ("strategije", "razvoj", "regionalni razvoj", "načrtovanje"),
        ("strategies", "development", "regional development", "planning"),
        ("REGI", "GOVE"),
        (
            Col("strategija", _S, "Oznaka strategije (slug)", "The strategy's identifier (slug)"),
            Col("naslov", _S, "Naslov strategije", "Title of the strategy"),
            Col("naslov_en", _S, "Naslov v angleščini", "Title in English"),
            Col(
                "lastniki",
                _S,
                "Organizacije, ki so lastnice strategije",
                "The organisations that own the strategy",
            ),
            Col("obdobje_od", _D, "Začetek obdobja strategije", "Start of the strategy's period"),
            Col("obdobje_do", _D, "Konec obdobja strategije", "End of the strategy's period"),
            Col("sprejeta", _D, "Datum sprejema", "Date of adoption"),
            Col("sprejel", _S, "Organ, ki je strategijo sprejel", "The body that adopted the strategy"),
            Col(
                "status",
                _S,
                "Stanje strategije (osnutek, sprejeta …)",
                "State of the strategy (draft, adopted …)",
            ),
            Col("izvorni_dokument", _S, "Naslov izvornega dokumenta", "Title of the source document"),
            Col("povezava", _S, "Spletni naslov izvornega dokumenta", "Web address of the source document"),
        ),
        _strategies,
        ("obdobje_od", "obdobje_do"),
    ),
    Table(
        "regija-vozlisca",
        "Deli razvojnih strategij (cilji, ukrepi, vozlišča)",
        "Parts of the development strategies (goals, measures, nodes)",
        "Drevo vsake strategije: prioritete, cilji, ukrepi in drugi deli z ravnjo in nadrejenim delom.",
        "The tree of each strategy: priorities, goals, measures and other parts with their level and parent.",
        ("strategije", "cilji", "ukrepi", "prioritete"),
        ("strategies", "goals", "measures", "priorities"),
        ("REGI", "GOVE"),
        (
            _STRATEGY,
            Col("vozlisce", _S, "Oznaka dela strategije", "Code of the part of the strategy"),
            Col(
                "raven",
                _S,
                "Raven v drevesu strategije (npr. cilj, ukrep)",
                "Level in the strategy's tree (e.g. goal)",
            ),
            Col("naslov", _S, "Naslov", "Title"),
            Col("naslov_en", _S, "Naslov v angleščini", "Title in English"),
            Col(
                "nadrejeno",
                _S,
                "Oznaka nadrejenega dela (prazno na vrhu)",
                "Code of the parent (empty at the top)",
            ),
            Col("globina", _I, "Globina v drevesu (0 na vrhu)", "Depth in the tree (0 at the top)"),
            Col(
                "nacrtovani_projekti",
                _I,
                "Število načrtovanih projektov, kot ga navaja dokument",
                "Number of projects planned, as the document states",
            ),
        ),
        _nodes,
    ),
    Table(
        "regija-usklajenost",
        "Usklajenost strategij med seboj",
        "Alignment between strategies",
        "Povezave med deli strategij: kateri del katere strategije prispeva k delu druge strategije ali je "
        "z njim usklajen.",
        "Links between parts of strategies: which part of which strategy contributes to, or is aligned "
        "with, a part of another.",
        ("usklajenost", "strategije", "povezave"),
        ("alignment", "strategies", "links"),
        ("REGI", "GOVE"),
        (
            Col("navedeno_v", _S, "Strategija, ki povezavo navaja", "The strategy that states the link"),
            Col(
                "iz_strategije",
                _S,
                "Strategija dela, iz katerega povezava vodi",
                "Strategy of the part the link leads from",
            ),
            Col(
                "iz_vozlisca",
                _S,
                "Oznaka dela, iz katerega povezava vodi",
                "Code of the part the link leads from",
            ),
            Col(
                "v_strategijo",
                _S,
                "Strategija dela, v katerega povezava vodi",
                "Strategy of the part the link leads to",
            ),
            Col(
                "v_vozlisce",
                _S,
                "Oznaka dela, v katerega povezava vodi",
                "Code of the part the link leads to",
            ),
            Col(
                "vrsta",
                _S,
                "Vrsta povezave (npr. contributes_to, aligned_with)",
                "Kind of link (e.g. contributes_to, aligned_with)",
            ),
            Col("opomba", _S, "Opomba", "Note"),
        ),
        _alignments,
    ),
    Table(
        "regija-kazalniki",
        "Kazalniki razvojnih strategij",
        "Indicators of the development strategies",
        "Kazalniki vseh strategij z enoto, smerjo, izhodiščem in ciljem.",
        "The indicators of every strategy with unit, direction, baseline and target.",
        ("kazalniki", "cilji", "spremljanje", "strategije"),
        ("indicators", "targets", "monitoring", "strategies"),
        ("REGI", "GOVE"),
        (
            _STRATEGY,
            Col("kazalnik", _S, "Oznaka kazalnika", "Code of the indicator"),
            _NODE_CODE,
            Col("ime", _S, "Ime kazalnika", "Name of the indicator"),
            Col("enota", _S, "Enota", "Unit"),
            Col(
                "smer",
                _S,
                "Zaželena smer (increase, decrease, reach, maintain)",
                "Desired direction (increase, decrease, reach, maintain)",
            ),
            Col("vir_podatkov", _S, "Vir podatkov", "Source of the data"),
            Col("izhodisce", pa.decimal128(24, 6), "Izhodiščna vrednost", "Baseline value"),
            Col("izhodisce_datum", _D, "Datum izhodišča", "Date of the baseline"),
            Col("cilj", pa.decimal128(24, 6), "Ciljna vrednost", "Target value"),
            Col("cilj_datum", _D, "Datum cilja", "Date of the target"),
        ),
        _indicators,
        ("izhodisce_datum", "cilj_datum"),
    ),
    Table(
        "regija-meritve",
        "Izmerjene vrednosti kazalnikov",
        "Measured values of the indicators",
        "Vse izmerjene vrednosti kazalnikov strategij po datumih, z virom vsake.",
        "Every measured value of the strategies' indicators by date, each with its source.",
        ("kazalniki", "meritve", "spremljanje"),
        ("indicators", "observations", "monitoring"),
        ("REGI", "GOVE"),
        (
            _STRATEGY,
            Col("kazalnik", _S, "Oznaka kazalnika", "Code of the indicator"),
            Col(
                "datum",
                _D,
                "Datum meritve (podatek za leto: 31. december)",
                "Date of the value (a year's figure: 31 December)",
            ),
            Col("vrednost", VALUE, "Vrednost v enoti kazalnika", "Value in the indicator's unit"),
            Col(
                "vir",
                _S,
                "Vir vrednosti (»dataset:…« za izračunane iz podatkovnega niza)",
                'Source of the value ("dataset:…" for those computed from a dataset)',
            ),
        ),
        _observations,
        ("datum",),
    ),
    Table(
        "regija-projekti",
        "Projekti razvojnih strategij",
        "Projects of the development strategies",
        "Projekti vseh strategij z nosilcem, stanjem, obdobjem in krajem; fizična oseba kot nosilec ni "
        "imenovana.",
        "The projects of every strategy with holder, state, period and place; a natural person holding one "
        "is not named.",
        ("projekti", "naložbe", "strategije"),
        ("projects", "investments", "strategies"),
        ("REGI", "ECON"),
        (
            _STRATEGY,
            _PROJECT,
            Col("naslov", _S, "Naslov projekta", "Title of the project"),
            Col(
                "nosilec",
                _S,
                "Nosilec projekta (»fizična oseba« brez imena)",
                'Holder of the project ("fizična oseba" – natural person – without a name)',
            ),
            Col(
                "nosilec_vrsta",
                _S,
                "Vrsta nosilca (" + _STATUS_KINDS + ")",
                "Kind of holder (kind of organisation, e.g. municipality, company, person)",
            ),
            Col("status", _S, "Stanje projekta", "State of the project"),
            Col("zacetek", _D, "Začetek projekta", "Start of the project"),
            Col("konec", _D, "Konec projekta", "End of the project"),
            Col(
                "obcina", _S, "Občina, v kateri projekt poteka", "Municipality where the project takes place"
            ),
            Col("lat", _F, "Zemljepisna širina (WGS 84)", "Latitude (WGS 84)", "°"),
            Col("lon", _F, "Zemljepisna dolžina (WGS 84)", "Longitude (WGS 84)", "°"),
        ),
        _projects,
        ("zacetek", "konec"),
    ),
    Table(
        "regija-proracun",
        "Finančni načrt projektov po virih",
        "Budget of the projects by source of funding",
        "Vrstice finančnega načrta vsakega projekta: vir financiranja, znesek in zagotovljeni del.",
        "The budget lines of every project: source of funding, amount and the part secured.",
        ("proračun", "financiranje", "projekti", "skladi"),
        ("budget", "funding", "projects", "funds"),
        ("ECON", "GOVE"),
        (
            _STRATEGY,
            _PROJECT,
            _FUND,
            Col("sklad_ime", _S, "Ime vira financiranja", "Name of the source of funding"),
            Col("znesek", MONEY, "Znesek", "Amount", "EUR"),
            Col(
                "zagotovljeno",
                _S,
                "Ali je znesek zagotovljen (yes, partly, no)",
                "Whether the amount is secured (yes, partly, no)",
            ),
            Col(
                "zagotovljeni_del", MONEY, "Zagotovljeni del zneska", "The part of the amount secured", "EUR"
            ),
        ),
        _budget_lines,
    ),
    Table(
        "regija-placila",
        "Izplačila projektom",
        "Payments to the projects",
        "Zahtevki in izplačila projektom po virih financiranja, z zneskom, datumom in stanjem.",
        "Claims and payments to the projects by source of funding, with amount, date and state.",
        ("izplačila", "plačila", "projekti", "financiranje"),
        ("payments", "disbursements", "projects", "funding"),
        ("ECON", "GOVE"),
        (
            _STRATEGY,
            _PROJECT,
            _FUND,
            Col("oznaka", _S, "Faza ali zahtevek", "Phase or claim"),
            Col("znesek", MONEY, "Znesek", "Amount", "EUR"),
            Col("datum", _D, "Datum", "Date"),
            Col("stanje", _S, "Stanje (npr. planned, claimed, paid)", "State (e.g. planned, claimed, paid)"),
        ),
        _payments,
        ("datum",),
    ),
    Table(
        "regija-rezultati-razpisov",
        "Rezultati javnih razpisov",
        "Results of the calls for proposals",
        "Odobrene, neizbrane in neupravičene vloge na odločene javne razpise z zaprošenimi in odobrenimi "
        "zneski; fizična oseba kot prijavitelj ni imenovana.",
        "Approved, not selected and ineligible applications to the decided calls, with the amounts "
        "requested and approved; a natural person applying is not named.",
        ("javni razpisi", "vloge", "sofinanciranje", "rezultati"),
        ("calls for proposals", "applications", "co-financing", "results"),
        ("ECON", "GOVE"),
        (
            Col(
                "organizacija",
                _S,
                "Organizacija, ki je razpis objavila (slug)",
                "The organisation that issued the call (slug)",
            ),
            Col("razpis", _S, "Oznaka razpisa (slug)", "The call's identifier (slug)"),
            Col("razpis_naslov", _S, "Naslov razpisa", "Title of the call"),
            Col("vloga", _I, "Številka vloge", "Number of the application"),
            Col(
                "prijavitelj",
                _S,
                "Prijavitelj (»fizična oseba« brez imena)",
                'Applicant ("fizična oseba" – natural person – without a name)',
            ),
            Col(
                "prijavitelj_vrsta",
                _S,
                "Vrsta prijavitelja (" + _STATUS_KINDS + ")",
                "Kind of applicant (kind of organisation, e.g. municipality, company, person)",
            ),
            Col("naslov", _S, "Naslov projekta v vlogi", "Title of the project applied for"),
            Col(
                "izid",
                _S,
                "Izid (approved, rejected, ineligible)",
                "Outcome (approved, rejected, ineligible)",
            ),
            Col("zaproseno", MONEY, "Zaprošeni znesek", "Amount requested", "EUR"),
            Col("odobreno", MONEY, "Odobreni znesek", "Amount approved", "EUR"),
            Col("odloceno", _D, "Datum odločitve", "Date of the decision"),
        ),
        _call_results,
        ("odloceno",),
    ),
    Table(
        "regija-sklepi",
        "Sklepi organov upravljanja",
        "Decisions of the governing bodies",
        "Sklepi skupščin, upravnih odborov in drugih organov s sejo, datumom in besedilom.",
        "The decisions of assemblies, boards and other bodies with session, date and text.",
        ("sklepi", "seje", "organi upravljanja", "LAS"),
        ("decisions", "sessions", "governing bodies", "LAG"),
        ("GOVE", "REGI"),
        (
            Col(
                "organizacija",
                _S,
                "Organizacija, katere organ je sklep sprejel (slug)",
                "The organisation whose body took the decision (slug)",
            ),
            Col("organ", _S, "Organ", "Body"),
            Col("seja", _I, "Številka seje", "Number of the session"),
            Col("datum", _D, "Datum seje", "Date of the session"),
            Col("sklep", _S, "Številka sklepa", "Number of the decision"),
            Col("besedilo", _S, "Besedilo sklepa", "Text of the decision"),
            Col("tocka_dnevnega_reda", _S, "Točka dnevnega reda", "Item of the agenda"),
        ),
        _decisions,
        ("datum",),
    ),
)


# --- publishing ----------------------------------------------------------------------------------


def publisher() -> Organisation:
    """The organisation that runs the instance (``REGIJA_PUBLISHER``), created when missing."""
    slug = settings.REGIJA_PUBLISHER
    org = Organisation.objects.filter(slug=slug).first()
    if org is None:
        with audit.acting(None, via="worker", label=services.SYSTEM), transaction.atomic():
            org, _created = Organisation.objects.get_or_create(
                slug=slug, defaults={"name": settings.REGIJA_PUBLISHER_NAME, "kind": OrganisationKind.OTHER}
            )
    return org


def _places() -> list[Organisation]:
    """The municipalities and regions the instance's strategies cover (their owners)."""
    from regija.strategies.models import Strategy

    kinds = [
        OrganisationKind.MUNICIPALITY,
        OrganisationKind.REGION,
        OrganisationKind.REGIONAL_DEVELOPMENT_AGENCY,
        OrganisationKind.LAS,
    ]
    return list(
        Organisation.objects.filter(strategies__in=Strategy.objects.all(), kind__in=kinds)
        .distinct()
        .order_by("slug")
    )


def write_parquet(table: Table, rows: Sequence[tuple[Any, ...]], path: Path) -> None:
    """The rows as Parquet with the table's schema: the same rows give the same bytes."""
    schema = pa.schema([pa.field(c.name, c.type) for c in table.columns])
    columns = list(zip(*rows, strict=True)) if rows else [() for _ in table.columns]
    arrays = [
        pa.array(list(values), type=col.type) for values, col in zip(columns, table.columns, strict=True)
    ]
    pq.write_table(
        pa.Table.from_arrays(arrays, schema=schema), path, compression="zstd", write_statistics=True
    )


def _strategies_period() -> tuple[dt.date | None, dt.date | None]:
    """From the first strategy's start to the last one's end."""
    from regija.strategies.models import Strategy

    starts, ends = [], []
    for start, end in Strategy.objects.values_list("period_start", "period_end"):
        if (day := _partial_date(start)) is not None:
            starts.append(day)
        if (day := _partial_date(end, end=True)) is not None:
            ends.append(day)
    return (min(starts) if starts else None, max(ends) if ends else None)


def _period(table: Table, rows: Sequence[tuple[Any, ...]]) -> tuple[dt.date | None, dt.date | None]:
    """The period the rows cover, from their own dates; for rows without dates (nodes, budget lines,
    payments not yet dated …) the period of the strategies they belong to."""
    index = [i for i, c in enumerate(table.columns) if c.name in table.dates]
    days = [r[i] for r in rows for i in index if isinstance(r[i], dt.date)]
    return (min(days), max(days)) if days else _strategies_period()


def _metadata(table: Table, period: tuple[dt.date | None, dt.date | None]) -> dict[str, Any]:
    return {
        "slug": table.slug,
        "title": table.title,
        "title_en": table.title_en,
        "description": table.description,
        "description_en": table.description_en,
        "keywords": list(table.keywords),
        "keywords_en": list(table.keywords_en),
        "themes": list(table.themes),
        "frequency": table.frequency,
        "licence": Licence.CC_BY_4_0,
        "access_rights": AccessRights.PUBLIC,
        "contact_name": settings.REGIJA_CONTACT_NAME,
        "contact_email": settings.REGIJA_CONTACT_EMAIL,
        "temporal_start": period[0],
        "temporal_end": period[1],
        "conformance": [PARQUET_SPEC],
        "provenance": table.provenance,
    }


@dataclasses.dataclass
class Published:
    slug: str
    rows: int
    version: int | None  # the new version's number; None when the data did not change


def publish_table(table: Table, org: Organisation, places: Iterable[Organisation]) -> Published:
    rows = table.rows()
    if (
        not rows
        and table in _REGISTERED
        and not Dataset.objects.filter(auto=KEY_PREFIX + table.slug).exists()
    ):
        # an app's table with no rows yet (an instance without places): no dataset until there is data –
        # a version needs rows
        return Published(table.slug, 0, None)
    data = _metadata(table, _period(table, rows))
    key = KEY_PREFIX + table.slug
    dataset = Dataset.objects.filter(auto=key).select_related("current").first()
    if dataset is None:
        dataset = services.dataset_create(
            None, publisher=org, data={**data, "auto": key, "status": Status.PUBLISHED}, via="worker"
        )
    else:
        changes = {k: v for k, v in data.items() if getattr(dataset, k) != v}
        if changes:
            dataset = services.dataset_update(None, dataset, changes, via="worker")
    places = list(places)
    if set(dataset.spatial.values_list("pk", flat=True)) != {p.pk for p in places}:
        services.dataset_set_spatial(None, dataset, places, via="worker")
    with tempfile.TemporaryDirectory(prefix="regija-own-") as tmp:
        path = Path(tmp) / f"{table.slug}.parquet"
        write_parquet(table, rows, path)
        version = services.add_version(
            dataset,
            path,
            name=f"{table.slug}.parquet",
            origin="regija",
            format="parquet",
            allow_incompatible=True,
        )
    described = {c.name: c for c in dataset.columns.all()}
    changes = [
        {"name": c.name, "title": c.sl, "description": c.sl, "description_en": c.en, "unit": c.unit}
        for c in table.columns
        if c.name in described
        and (
            described[c.name].title,
            described[c.name].description,
            described[c.name].description_en,
            described[c.name].unit,
        )
        != (c.sl, c.sl, c.en, c.unit)
    ]
    if changes:
        services.columns_update(None, dataset, changes, via="worker")
    return Published(table.slug, len(rows), version.number if version else None)


# Tables the apps above the lake add in their ``AppConfig.ready()`` (the lake imports no app above it):
# places (regija.places.opendata) …
_REGISTERED: list[Table] = []


def register_table(table: Table) -> None:
    """Publish this table with Regija's own data (once, whatever the number of calls)."""
    if all(t.slug != table.slug for t in (*TABLES, *_REGISTERED)):
        _REGISTERED.append(table)


def tables() -> tuple[Table, ...]:
    """Every one of Regija's own tables: the lake's and those the apps registered."""
    return (*TABLES, *_REGISTERED)


def publish_own_data() -> list[Published]:
    """Create or refresh every one of Regija's own datasets; a dataset whose data did not change gets no
    new version."""
    org = publisher()
    places = _places()
    return [publish_table(table, org, places) for table in tables()]
