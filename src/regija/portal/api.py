"""The REST API under /api/v1/: one NinjaAPI object mounting each app's router.

Cross-cutting behaviour is set here once: error answers (401 with WWW-Authenticate, 404, 422 with
field paths), ETag / If-None-Match on every GET, anonymous GETs answered from the cache per data
version, and JSON numbers read as exact decimals.
The pieces themselves live in the ``regija.api`` package; docs/api.md describes the API for its users.
"""

from django.utils import timezone
from ninja.openapi.docs import Swagger

from regija.accounts.api import router as me_router
from regija.api.conditional import cache_reads
from regija.api.errors import install_error_handlers, refuse_nul
from regija.api.ninja import DecimalJSONParser, RegijaAPI
from regija.budgeting.api import ballot_router as budgeting_ballot_router
from regija.budgeting.api import router as budgeting_router
from regija.budgeting.selectors import clock_key as budgeting_clock
from regija.calls.api import router as calls_router
from regija.calls.api_applicant import router as applicant_router
from regija.calls.selectors import clock_key as calls_clock
from regija.events.api import router as events_router
from regija.governance.api import router as governance_router
from regija.lake.api import router as lake_router
from regija.notify.api import router as notify_router
from regija.participation.api import router as participation_router
from regija.participation.selectors import clock_key as participation_clock
from regija.places.api import router as places_router
from regija.portal.organisations_api import router as organisation_router
from regija.portal.strategies_api import router as strategy_router
from regija.projects.api import fund_router
from regija.projects.api import router as project_router
from regija.search.api import router as search_router
from regija.strategies.api import indicator_router

api = RegijaAPI(
    title="Regija API",
    version="1",
    description=(
        "Strategies, projects, money and indicators of Slovenian regions, municipalities and LAS. "
        "Reads are public; writes need a personal token (Authorization: Bearer rgj_…) created at /racun/. "
        'Money is a string with two decimals ("1758500.00"). See docs/api.md.'
    ),
    urls_namespace="api",
    docs=Swagger(),
    docs_url="/docs",
    parser=DecimalJSONParser(),
)
install_error_handlers(api)
api.add_decorator(refuse_nul, mode="view")

# Every router's reads get ETags, 304s and the anonymous response cache (regija.api.conditional): in
# "view" mode, before authentication and validation, an unchanged resource is answered 304 after one
# query for the data version, without doing the work. A list of calls also changes when a call opens
# or closes, with no write at all: its answers carry the next such moment.
for router in (
    strategy_router,
    indicator_router,
    project_router,
    fund_router,
    organisation_router,
    governance_router,
    search_router,
    lake_router,
):
    api.add_router("/", cache_reads(router))
api.add_router("/", cache_reads(calls_router, moment=calls_clock))
# The applicant's side (one's own applications, their attachments and claims): private answers, never
# from the response cache nor with a shared ETag – so not wrapped in cache_reads.
api.add_router("/", applicant_router)
# The list of events starts today: its answers change with the day too.
api.add_router("/", cache_reads(events_router, moment=lambda: timezone.localdate().isoformat()))
# the signed-in person's own account: personal, never cached
api.add_router("/", me_router)
# Participatory budgets move phase with the clock, like calls; a person's own ballot is not public data
# (no data version follows it), so its router is never cached.
api.add_router("/", cache_reads(budgeting_router, moment=budgeting_clock))
api.add_router("/", budgeting_ballot_router)
api.add_router("/", cache_reads(participation_router, moment=participation_clock))
# a person's own notifications change without a change to public data: no ETags from the data version
api.add_router("/", notify_router)
# places: "open now" and the broker's live chargers and car parks change without a write to Regija's data (no
# data version follows them), so the router is not cached
api.add_router("/", places_router)
