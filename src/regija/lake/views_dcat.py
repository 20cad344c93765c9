"""DCAT-AP 3.0 output: ``/katalog.ttl|.jsonld|.rdf|.xml`` (paged with ``?page=N``, filtered with
``?modified_since=<ISO date>``) and ``/podatki/<slug>.ttl|.jsonld|.rdf|.xml``. Thin: the selectors read,
``dcat`` builds the graph."""

from __future__ import annotations

import datetime as dt
import re

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from regija.core.caching import cache_response

from . import dcat, selectors
from .models import Dataset


def _refuse(message: str) -> HttpResponse:
    return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")


def _rdf(graph, fmt: str) -> HttpResponse:
    response = HttpResponse(dcat.serialize(graph, fmt), content_type=dcat.FORMATS[fmt][1])
    response["Access-Control-Allow-Origin"] = "*"
    return response


def parse_since(value: str) -> dt.datetime:
    """An ISO 8601 date or date and time; a time without a zone is in the site's time zone."""
    try:
        moment = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        moment = dt.datetime.combine(dt.date.fromisoformat(value.strip()), dt.time())
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment.astimezone(dt.UTC)  # OverflowError at the ends of time, refused like a bad date


@cache_response
def catalogue(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in dcat.FORMATS:
        raise Http404
    raw_page = request.GET.get("page", "1")
    if not re.fullmatch(r"[0-9]{1,9}", raw_page) or int(raw_page) < 1:
        return _refuse(
            _("page: enter a whole number, 1 or more (you entered “%(value)s”).") % {"value": raw_page}
        )
    page = int(raw_page)
    since = None
    raw_since = request.GET.get("modified_since", "").strip()
    if raw_since:
        try:
            since = parse_since(raw_since)
        except (ValueError, OverflowError):
            return _refuse(
                _(
                    "modified_since: enter a date (YYYY-MM-DD) or a date and time in ISO 8601 "
                    "(you entered “%(value)s”)."
                )
                % {"value": raw_since}
            )
    size = max(1, settings.REGIJA_DCAT_PAGE_SIZE)
    found = selectors.catalogue_page((page - 1) * size, size, since)
    paging = dcat.Paging(page=page, size=size, total=found.total)
    if page > paging.last:
        raise Http404(
            _("There is no page %(page)s: the catalogue has %(last)s.") % {"page": page, "last": paging.last}
        )
    site = dcat.Site(request.build_absolute_uri("/"))

    def link(number: int) -> str:
        query = {"page": number}
        if raw_since:
            query["modified_since"] = raw_since
        return f"{site.feed(fmt)}?{urlencode(query)}"

    links = {n: link(n) for n in {1, paging.last, page, max(1, page - 1), min(paging.last, page + 1)}}
    return _rdf(
        dcat.catalogue_graph(
            site, found.datasets, paging, links, modified=found.modified, issued=found.issued
        ),
        fmt,
    )


@cache_response
def dataset(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    if fmt not in dcat.FORMATS:
        raise Http404
    try:
        found = selectors.public_dataset(slug)
    except Dataset.DoesNotExist:
        raise Http404 from None
    site = dcat.Site(request.build_absolute_uri("/"))
    return _rdf(dcat.dataset_graph(site, found), fmt)
