"""The CKAN Action API (version 3, as CKAN 2.11 answers it) over the catalogue and the lake, at
``/api/3/action/<action>`` and ``/api/action/<action>``: what CKAN's clients, ``ckanapi`` and harvesters
read – datasets (packages), their resources, organisations, groups (the EU data themes), the site's
status, and the DataStore's searches over the lake's data.

Every action answers CKAN's envelope ``{"help", "success", "result"}`` or ``{"help", "success": false,
"error": {"__type", "message", …}}`` with CKAN's status codes: 409 for a validation error, 404 not found,
403 not allowed, 400 a search query that cannot be read (and a bad request, an unknown action). GET reads
the parameters from the address, POST from a JSON body or a form. The messages are in the request's
language. Reads go through ``lake.selectors``; nothing here writes. See docs/lake.md.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.models import AnonymousUser, User
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from regija.core import tokens
from regija.core.models import Organisation

from . import ckan_search, query, selectors
from .models import ColumnType, Dataset, Distribution, Status
from .vocabularies import LICENCE_URLS, MEDIA_TYPES, AccessRights, FileType, Frequency, Licence, Theme, uri

API_VERSION = 3
CKAN_VERSION = "2.11.0"  # the CKAN whose Action API this one answers like
ROWS_DEFAULT = 10
ROWS_MAX = 1000  # CKAN's ckan.search.rows_max
FACET_LIMIT = 50
DATASTORE_LIMIT = 100
TRUE = ("true", "yes", "t", "y", "1", "on")
FALSE = ("false", "no", "f", "n", "0", "off", "")


class ActionError(Exception):
    """An action's failure as CKAN reports it: ``kind`` is CKAN's ``__type``."""

    STATUS = {
        "Validation Error": 409,
        "Not Found Error": 404,
        "Authorization Error": 403,
        "Search Query Error": 400,
    }

    def __init__(self, kind: str, message: str, fields: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.kind, self.message, self.fields = kind, message, fields or {}

    @property
    def status(self) -> int:
        return self.STATUS[self.kind]

    def as_error(self) -> dict[str, Any]:
        return {**self.fields, "__type": self.kind, "message": self.message}


def not_found(message: str) -> ActionError:
    return ActionError("Not Found Error", _("Not found: %(what)s") % {"what": message})


def forbidden(message: str) -> ActionError:
    return ActionError("Authorization Error", _("Access denied: %(why)s") % {"why": message})


def invalid(field: str, message: str) -> ActionError:
    return ActionError("Validation Error", f"{field}: {message}", {field: [message]})


@dataclass
class Call:
    request: HttpRequest
    data: dict[str, Any]
    user: User | AnonymousUser

    def text(self, name: str, default: str = "") -> str:
        value = self.data.get(name, default)
        if value is None:
            return default
        if isinstance(value, list):
            value = value[0] if value else default
        if isinstance(value, dict):
            raise invalid(name, _("Give text, not an object."))
        return str(value)

    def required(self, name: str, *aliases: str) -> str:
        for key in (name, *aliases):
            value = self.text(key).strip()
            if value:
                return value
        raise invalid(name, _("Missing value"))

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name)
        if value is None:
            return default
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in TRUE:
            return True
        if text in FALSE:
            return False
        raise invalid(name, _("Give true or false."))

    def integer(self, name: str, default: int, *, maximum: int | None = None) -> int:
        value = self.data.get(name)
        if value is None or value == "":
            return default
        try:
            number = int(str(value).strip())
        except ValueError:
            raise invalid(name, _("Invalid integer")) from None
        if number < 0:
            raise invalid(name, _("Must be a natural number"))
        return min(number, maximum) if maximum is not None else number

    def json_value(self, name: str) -> Any:
        """A parameter that may come as JSON text (GET) or as JSON itself (POST)."""
        value = self.data.get(name)
        if isinstance(value, str):
            stripped = value.strip()
            if stripped[:1] in ("{", "["):
                try:
                    return json.loads(stripped)
                except ValueError:
                    raise invalid(name, _("Cannot read this as JSON.")) from None
        return value

    def absolute(self, path: str) -> str:
        return self.request.build_absolute_uri(path)


# ---------------------------------------------------------------------------------- the package dict


def _iso(moment: Any) -> str | None:
    """CKAN's timestamps: UTC, ISO 8601, no time zone."""
    if moment is None:
        return None
    return str(moment.astimezone(dt.UTC).replace(tzinfo=None).isoformat())


def _path(name: str, args: list[str], fallback: str) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # the public pages are not there (yet): their fixed Slovenian paths
        return fallback


def dataset_path(dataset: Dataset) -> str:
    return _path("lake:dataset", [dataset.slug], f"/podatki/{dataset.slug}/")


def download_path(dataset: Dataset, fmt: str) -> str:
    return _path("lake:download", [dataset.slug, fmt], f"/podatki/{dataset.slug}/prenos/{fmt}")


def organization_dict(org: Organisation, *, count: int | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {
        "id": org.slug,
        "name": org.slug,
        "title": org.name,
        "display_name": org.name,
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "type": "organization",
        "is_organization": True,
        "approval_status": "approved",
        "state": "active",
        "created": None,
    }
    if count is not None:
        found["package_count"] = count
    return found


def group_dict(code: str, *, count: int | None = None) -> dict[str, Any]:
    label = str(Theme(code).label)
    found: dict[str, Any] = {
        "id": code.lower(),
        "name": code.lower(),
        "title": label,
        "display_name": label,
        "description": "",
        "image_url": "",
        "image_display_url": "",
        "type": "group",
        "is_organization": False,
        "approval_status": "approved",
        "state": "active",
        "uri": uri("data-theme", code),
    }
    if count is not None:
        found["package_count"] = count
    return found


def resource_dict(call: Call, dataset: Dataset, dist: Distribution, position: int) -> dict[str, Any]:
    current = dataset.current
    lake_data = dist.in_lake and current is not None
    label = str(FileType(dist.format).label) if dist.format in FileType.values else dist.format
    url = call.absolute(download_path(dataset, dist.format)) if dist.in_lake else dist.access_url
    return {
        "id": str(dist.uuid),
        "package_id": str(dataset.uuid),
        "name": dist.title or f"{dataset.title} ({label})",
        "description": "",
        "format": label,
        "url": url,
        "download_url": url if dist.in_lake else None,
        "access_url": url,
        "mimetype": MEDIA_TYPES.get(FileType(dist.format)) if dist.format in FileType.values else None,
        "size": current.parquet_bytes if lake_data and current and dist.format == FileType.PARQUET else None,
        "hash": "",
        "datastore_active": lake_data,
        "url_type": None,
        "resource_type": None,
        "state": "active",
        "position": position,
        "created": _iso(dataset.created_at),
        "last_modified": _iso(current.created_at) if lake_data and current else None,
        "metadata_modified": _iso(dataset.modified),
    }


def _extras(call: Call, dataset: Dataset) -> list[dict[str, str]]:
    """DCAT-AP fields CKAN has no core field for, under ckanext-dcat's names (lists as JSON text)."""
    values: dict[str, str] = {
        "identifier": str(dataset.uuid),
        "access_rights": uri("access-right", dataset.access_rights or AccessRights.PUBLIC),
        "publisher_name": dataset.publisher.name,
        "publisher_uri": call.absolute(organisation_path(dataset.publisher)),
    }
    if dataset.frequency and dataset.frequency in Frequency.values:
        values["frequency"] = uri("frequency", dataset.frequency)
    if dataset.themes:
        values["theme"] = json.dumps([uri("data-theme", t) for t in dataset.themes])
    if dataset.temporal_start:
        values["temporal_start"] = dataset.temporal_start.isoformat()
    if dataset.temporal_end:
        values["temporal_end"] = dataset.temporal_end.isoformat()
    places = list(dataset.spatial.all())
    if places:
        values["spatial_text"] = ", ".join(p.name for p in places)
    if dataset.conformance:
        values["conforms_to"] = json.dumps(list(dataset.conformance))
    if dataset.contact_name:
        values["contact_name"] = dataset.contact_name
    if dataset.contact_email:
        values["contact_email"] = dataset.contact_email
    if dataset.provenance:
        values["provenance"] = dataset.provenance
    if dataset.documentation_url:
        values["documentation"] = json.dumps([dataset.documentation_url])
    if dataset.issued:
        values["issued"] = _iso(dataset.issued) or ""
    values["modified"] = _iso(dataset.modified) or ""
    return [{"key": key, "value": values[key]} for key in sorted(values)]


def organisation_path(org: Organisation) -> str:
    return _path("organisation", [org.slug], f"/organizacije/{org.slug}/")


def package_dict(call: Call, dataset: Dataset) -> dict[str, Any]:
    tags = [str(k) for k in dataset.keywords or ()]
    distributions = [
        d for d in dataset.distributions.all() if not d.in_lake or dataset.current_id is not None
    ]
    licence = Licence(dataset.licence) if dataset.licence in Licence.values else None
    contact = dataset.contact_name or dataset.publisher.name
    return {
        "id": str(dataset.uuid),
        "name": dataset.slug,
        "title": dataset.title,
        "title_translated": {"sl": dataset.title, "en": dataset.title_en or dataset.title},
        "notes": dataset.description,
        "notes_translated": {"sl": dataset.description, "en": dataset.description_en or dataset.description},
        "url": dataset.landing_page or call.absolute(dataset_path(dataset)),
        "author": contact,
        "author_email": dataset.contact_email or None,
        "maintainer": contact,
        "maintainer_email": dataset.contact_email or None,
        "license_id": ckan_search.licence_id(dataset.licence),
        "license_title": str(licence.label) if licence else dataset.licence,
        "license_url": LICENCE_URLS.get(licence, "") if licence else "",
        "isopen": True,
        "version": str(dataset.current.number) if dataset.current else None,
        "organization": organization_dict(dataset.publisher),
        "owner_org": dataset.publisher.slug,
        "private": dataset.private,
        "state": "active" if dataset.status == Status.PUBLISHED else "draft",
        "type": "dataset",
        "creator_user_id": None,
        "metadata_created": _iso(dataset.created_at),
        "metadata_modified": _iso(dataset.modified),
        "language": ["sl", "en"],
        "tags": [{"name": t, "display_name": t, "state": "active", "vocabulary_id": None} for t in tags],
        "num_tags": len(tags),
        "groups": [group_dict(t) for t in dataset.themes if t in Theme.values],
        "resources": [resource_dict(call, dataset, d, i) for i, d in enumerate(distributions)],
        "num_resources": len(distributions),
        "extras": _extras(call, dataset),
        "relationships_as_object": [],
        "relationships_as_subject": [],
    }


# ---------------------------------------------------------------------------------------- actions


def _dataset(call: Call, identifier: str) -> Dataset:
    try:
        return selectors.dataset_for(call.user, identifier)
    except Dataset.DoesNotExist:
        exists = Dataset.objects.filter(slug=identifier).exists() or _uuid_exists(identifier)
        if exists:
            raise forbidden(_("you may not read the dataset %(id)s.") % {"id": identifier}) from None
        raise not_found(_("there is no dataset %(id)s.") % {"id": identifier}) from None


def _uuid_exists(identifier: str) -> bool:
    try:
        return Dataset.objects.filter(uuid=uuid.UUID(identifier)).exists()
    except ValueError:
        return False


def package_show(call: Call) -> dict[str, Any]:
    """Return the metadata of a dataset (package) and its resources.

    :param id: the id or name of the dataset
    :type id: string
    """
    return package_dict(call, _dataset(call, call.required("id", "name_or_id")))


def package_list(call: Call) -> list[str]:
    """Return the names of the site's public datasets, sorted.

    :param limit: at most this many (optional)
    :param offset: skip this many (optional)
    """
    names = selectors.published().order_by("slug").values_list("slug", flat=True)
    offset = call.integer("offset", 0)
    limit = call.integer("limit", 0)
    if limit:
        return list(names[offset : offset + limit])
    return list(names[offset:])


def package_search(call: Call) -> dict[str, Any]:
    """Search the datasets: ``q`` (words, Slovenian-aware; or field:value), ``fq`` (filter query),
    ``rows`` (≤ 1000), ``start``, ``sort``, ``facet.field``, ``facet.limit``, ``facet.mincount``,
    ``include_private``. See docs/lake.md for the supported filter grammar."""
    rows = call.integer("rows", ROWS_DEFAULT, maximum=ROWS_MAX)
    start = call.integer("start", 0)
    include_private = call.boolean("include_private") or call.boolean("include_drafts")
    qs = selectors.searchable(call.user, include_private=include_private)
    q = call.text("q").strip()
    fq = call.text("fq").strip()
    sort_text = call.text("sort").strip() or "score desc, metadata_modified desc"
    facet_fields = _facet_fields(call)
    try:
        order = ckan_search.parse_sort(sort_text)
        facts = selectors.catalogue_facts(qs)
        cache: dict[str, set[int]] = {}

        def text_match(word: str) -> set[int]:
            if word not in cache:
                cache[word] = set(selectors.dataset_search_ids(word, qs))
            return cache[word]

        scores: dict[int, int] = {}
        predicates = [ckan_search.parse(fq, text_match)] if fq else []
        if q and q != "*:*":
            if ckan_search.has_fields(q):
                parser = ckan_search.Parser(q, text_match)
                predicates.append(parser.parse())
                if parser.text_words:
                    scores = selectors.dataset_search_ids(" ".join(parser.text_words), qs)
            else:
                scores = selectors.dataset_search_ids(q, qs)
                predicates.append(lambda f: f.pk in scores)
    except ckan_search.SearchQueryError as exc:
        raise ActionError("Search Query Error", exc.message) from None
    matched = [f for f in facts if all(p(f) for p in predicates)]
    ordered = ckan_search.sort_facts(matched, order, scores)
    page = selectors.datasets_in_order([f.pk for f in ordered[start : start + rows]]) if rows else []
    counts = ckan_search.facet_counts(matched, facet_fields)
    return {
        "count": len(matched),
        "sort": sort_text,
        "results": [package_dict(call, d) for d in page],
        "facets": {field: dict(_facet_items(counts[field], call)) for field in facet_fields},
        "search_facets": {field: _search_facet(field, counts[field], call) for field in facet_fields},
    }


def _facet_fields(call: Call) -> list[str]:
    value = call.json_value("facet.field")
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise invalid("facet.field", _("Give a JSON list of field names."))
    unknown = [v for v in value if v not in ckan_search.FACET_FIELDS]
    if unknown:
        raise ActionError(
            "Search Query Error",
            _("Cannot count by %(field)s; the facets are: %(fields)s.")
            % {"field": unknown[0], "fields": ", ".join(ckan_search.FACET_FIELDS)},
        )
    return list(dict.fromkeys(value))


def _facet_items(counts: dict[str, int], call: Call) -> list[tuple[str, int]]:
    limit = call.integer("facet.limit", FACET_LIMIT)
    minimum = call.integer("facet.mincount", 1)
    items = sorted(((k, n) for k, n in counts.items() if n >= minimum), key=lambda kn: (-kn[1], kn[0]))
    return items[:limit] if limit else items


def _search_facet(field: str, counts: dict[str, int], call: Call) -> dict[str, Any]:
    items = _facet_items(counts, call)
    names: dict[str, str] = {}
    if field == "organization":
        names = dict(Organisation.objects.filter(slug__in=[k for k, _n in items]).values_list("slug", "name"))
    elif field == "groups":
        names = {code.lower(): str(label) for code, label in Theme.choices}
    elif field == "license_id":
        names = {ckan_search.licence_id(code): str(label) for code, label in Licence.choices}
    return {
        "title": field,
        "items": [{"name": k, "display_name": names.get(k, k), "count": n} for k, n in items],
    }


def organization_list(call: Call) -> list[Any]:
    """Return the organisations that publish datasets (names, or with ``all_fields`` whole)."""
    orgs = selectors.publishers(call.user)
    if call.boolean("all_fields"):
        return [organization_dict(o, count=o.dataset_count) for o in orgs]
    return [o.slug for o in orgs]


def organization_show(call: Call) -> dict[str, Any]:
    """Return an organisation that publishes datasets.

    :param id: its id or name
    :param include_datasets: also its datasets (at most 10, as CKAN)
    """
    identifier = call.required("id")
    org = selectors.publishers(call.user, include_private=True).filter(slug=identifier).first()
    if org is None:
        raise not_found(_("there is no organisation %(id)s.") % {"id": identifier})
    public_count = selectors.published().filter(publisher=org).count()
    found = organization_dict(org, count=public_count)
    if call.boolean("include_datasets"):
        ids = list(
            selectors.published().filter(publisher=org).order_by("slug").values_list("pk", flat=True)[:10]
        )
        found["packages"] = [package_dict(call, d) for d in selectors.datasets_in_order(ids)]
    return found


def _theme_counts(call: Call) -> dict[str, int]:
    counts = {code: 0 for code in Theme.values}
    for themes in selectors.published().values_list("themes", flat=True):
        for code in set(themes or ()):
            if code in counts:
                counts[code] += 1
    return counts


def group_list(call: Call) -> list[Any]:
    """Return the groups: the EU data themes (names, or with ``all_fields`` whole)."""
    counts = _theme_counts(call)
    if call.boolean("all_fields"):
        return [group_dict(code, count=counts[code]) for code in Theme.values]
    return [code.lower() for code in Theme.values]


def group_show(call: Call) -> dict[str, Any]:
    """Return a group (an EU data theme) by its name, e.g. ``econ``."""
    identifier = call.required("id").upper()
    if identifier not in Theme.values:
        raise not_found(_("there is no group %(id)s.") % {"id": identifier.lower()})
    return group_dict(identifier, count=_theme_counts(call)[identifier])


def _resource(call: Call, identifier: str) -> Distribution:
    try:
        return selectors.distribution_for(call.user, identifier)
    except Distribution.DoesNotExist:
        raise not_found(_("there is no resource %(id)s.") % {"id": identifier}) from None
    except PermissionError:
        raise forbidden(_("you may not read the resource %(id)s.") % {"id": identifier}) from None


def resource_show(call: Call) -> dict[str, Any]:
    """Return a resource (a distribution of a dataset).

    :param id: its id
    """
    dist = _resource(call, call.required("id"))
    dataset = selectors.datasets_in_order([dist.dataset_id])[0]
    position = [d.pk for d in dataset.distributions.all()].index(dist.pk)
    return resource_dict(call, dataset, dist, position)


def status_show(call: Call) -> dict[str, Any]:
    """Return the site's version, title, address and extensions."""
    return {
        "ckan_version": CKAN_VERSION,
        "site_title": "Regija",
        "site_description": "",
        "site_url": call.absolute("/").rstrip("/"),
        "error_emails_to": None,
        "locale_default": settings.LANGUAGE_CODE,
        "extensions": ["datastore", "dcat"],
        "regija_version": str(getattr(settings, "REGIJA_RELEASE", "")),
    }


def _table(call: Call, identifier: str) -> tuple[Distribution, query.Table]:
    dist = _resource(call, identifier)
    version = dist.dataset.current
    if not dist.in_lake or version is None:
        raise not_found(_('Resource "%(id)s" is not in the DataStore.') % {"id": identifier})
    return dist, query.Table(name=str(dist.uuid), paths=[str(selectors.version_file(version))])


def _query_error(exc: query.QueryError) -> ActionError:
    """query.py's error as CKAN's DataStore reports it: a query that failed while running is CKAN's
    ``Validation Error`` with the message under ``query`` (409), as the DataStore's database errors are."""
    if exc.kind == "SearchQueryError":
        return ActionError("Validation Error", exc.message, {exc.field or "query": [exc.message]})
    error = exc.as_ckan_error()
    kind = error.pop("__type")
    message = error.pop("message")
    return ActionError(kind, message, error)


def datastore_search(call: Call) -> dict[str, Any]:
    """Search a resource's rows in the DataStore: ``resource_id``, ``filters`` (value, list of values,
    or {"gt"|"gte"|"lt"|"lte"|"eq": value}), ``q``, ``fields``, ``sort``, ``limit`` (≤ 32 000),
    ``offset``, ``distinct``, ``include_total``, ``records_format`` (objects, lists, csv, tsv)."""
    identifier = call.required("resource_id", "id")
    _dist, table = _table(call, identifier)
    records_format = call.text("records_format", "objects") or "objects"
    fields = call.json_value("fields")
    sort = call.json_value("sort")
    limit = min(call.integer("limit", DATASTORE_LIMIT), query.ROWS_MAX)
    offset = call.integer("offset", 0)
    arguments = {
        "filters": call.json_value("filters"),
        "q": call.json_value("q"),
        "fields": fields,
        "sort": sort,
        "limit": limit,
        "offset": offset,
        "distinct": call.boolean("distinct"),
        "include_total": call.boolean("include_total", default=True),
    }
    try:
        result = query.datastore_search(
            table, records_format=records_format, timeout=settings.REGIJA_LAKE_QUERY_TIMEOUT, **arguments
        )
    except query.QueryError as exc:
        raise _query_error(exc) from None
    path = call.request.path
    params = {k: v for k, v in call.data.items() if k not in ("offset",) and isinstance(v, str | int)}
    found: dict[str, Any] = {
        "resource_id": identifier,
        "fields": result.fields,
        "records": result.records,
        "records_format": records_format,
        "limit": limit,
        "_links": {
            "start": f"{path}?{urlencode({**params, 'resource_id': identifier})}",
            "next": f"{path}?{urlencode({**params, 'resource_id': identifier, 'offset': offset + limit})}",
        },
        "include_total": result.total is not None,
    }
    if offset:
        found["offset"] = offset
    for name in ("filters", "q", "sort", "distinct"):
        if call.data.get(name) not in (None, ""):
            found[name] = call.json_value(name)
    if result.total is not None:
        found["total"] = result.total
        found["total_was_estimated"] = result.total_was_estimated
    return found


def datastore_search_sql(call: Call) -> dict[str, Any]:
    """Run one read-only SELECT over DataStore resources, named by their ids as tables:
    ``SELECT * FROM "<resource id>" WHERE …``."""
    sql = call.required("sql")
    try:
        names = query.referenced_tables(sql)
    except query.QueryError as exc:
        raise _query_error(exc) from None
    readable = selectors.distributions_for(call.user, names)
    tables = []
    for name in sorted(names):
        dist = readable.get(name)
        if dist is None:
            if _resource_exists(name):
                raise forbidden(_("you may not read the resource %(id)s.") % {"id": name})
            raise not_found(
                _('there is no table "%(table)s" here; name a resource by its id.') % {"table": name}
            )
        version = dist.dataset.current
        if not dist.in_lake or version is None:
            raise not_found(_('Resource "%(id)s" is not in the DataStore.') % {"id": name})
        tables.append(query.Table(name=name, paths=[str(selectors.version_file(version))]))
    try:
        result = query.run_sql(sql, tables, timeout=settings.REGIJA_LAKE_QUERY_TIMEOUT)
    except query.QueryError as exc:
        raise _query_error(exc) from None
    found: dict[str, Any] = {"sql": sql, "fields": result.fields, "records": result.records}
    if result.records_truncated:
        found["records_truncated"] = True
    return found


def _resource_exists(identifier: str) -> bool:
    try:
        return Distribution.objects.filter(uuid=uuid.UUID(identifier)).exists()
    except ValueError:
        return False


CKAN_COLUMN_TYPES = {
    ColumnType.INTEGER: "int",
    ColumnType.NUMBER: "numeric",
    ColumnType.TEXT: "text",
    ColumnType.DATE: "date",
    ColumnType.DATETIME: "timestamp",
    ColumnType.BOOLEAN: "bool",
    ColumnType.GEOMETRY: "text",
}


def datastore_info(call: Call) -> dict[str, Any]:
    """Return a DataStore resource's columns (with the data dictionary) and its number of rows."""
    dist, _table_ = _table(call, call.required("id", "resource_id"))
    dataset = selectors.datasets_in_order([dist.dataset_id])[0]
    version = dataset.current
    fields = [
        {
            "id": c.name,
            "type": CKAN_COLUMN_TYPES.get(ColumnType(c.type), "text")
            if c.type in ColumnType.values
            else "text",
            "info": {"label": c.title, "notes": c.description, "unit": c.unit},
        }
        for c in dataset.columns.all()
    ]
    return {
        "meta": {"id": str(dist.uuid), "count": version.rows if version else 0, "table_type": "BASE TABLE"},
        "fields": fields,
    }


def help_show(call: Call) -> str:
    """Return the help text of an action.

    :param name: the action's name
    """
    name = call.required("name")
    if name not in ACTIONS:
        raise not_found(_("there is no action %(name)s.") % {"name": name})
    return " ".join((ACTIONS[name].__doc__ or "").split())


def current_package_list_with_resources(call: Call) -> list[dict[str, Any]]:
    """Return the public datasets with their resources, the most recently modified first.

    :param limit: at most this many (default 10, at most 1000)
    :param offset: skip this many
    """
    data = {"rows": call.data.get("limit", ROWS_DEFAULT), "start": call.data.get("offset", 0)}
    results: list[dict[str, Any]] = package_search(
        Call(call.request, {**data, "sort": "metadata_modified desc"}, call.user)
    )["results"]
    return results


ACTIONS: dict[str, Callable[[Call], Any]] = {
    "package_list": package_list,
    "package_show": package_show,
    "package_search": package_search,
    "current_package_list_with_resources": current_package_list_with_resources,
    "organization_list": organization_list,
    "organization_show": organization_show,
    "group_list": group_list,
    "group_show": group_show,
    "resource_show": resource_show,
    "status_show": status_show,
    "help_show": help_show,
    "datastore_search": datastore_search,
    "datastore_search_sql": datastore_search_sql,
    "datastore_info": datastore_info,
}


# ------------------------------------------------------------------------------------------- view


def _answer(body: Any, status: int = 200) -> HttpResponse:
    response = JsonResponse(body, status=status, safe=False, json_dumps_params={"ensure_ascii": False})
    response["Access-Control-Allow-Origin"] = "*"
    response["Content-Language"] = get_language() or settings.LANGUAGE_CODE
    return response


def _bad_request(message: str) -> HttpResponse:
    """CKAN's answer to a request it cannot take: status 400 and the message as a JSON string."""
    return _answer(_("Bad request") + " - " + message, status=400)


class BadRequest(Exception):
    pass


def _data(request: HttpRequest) -> dict[str, Any]:
    """The action's parameters as CKAN reads them: the address (GET), a form, or a JSON body."""

    def mixed(multi: Any) -> dict[str, Any]:
        return {k: (v[0] if len(v) == 1 else v) for k, v in multi.lists()}

    if request.method == "GET":
        return mixed(request.GET)
    if request.POST:
        values = [v for _k, v in request.POST.items()]
        if len(values) == 1 and values[0] in ("1", ""):
            try:
                data = json.loads(next(iter(request.POST.keys())))
            except ValueError as exc:
                raise BadRequest(_("JSON Error: %(error)s") % {"error": exc}) from None
        else:
            data = mixed(request.POST)
    elif request.body:
        try:
            data = json.loads(request.body)
        except ValueError as exc:
            raise BadRequest(_("JSON Error: %(error)s") % {"error": exc}) from None
    else:
        data = {}
    if not isinstance(data, dict):
        raise BadRequest(_("Bad request data: the JSON must be an object."))
    return data


def _user(request: HttpRequest) -> User | AnonymousUser:
    header = request.headers.get("Authorization") or request.headers.get("X-CKAN-API-Key") or ""
    raw = header.strip()
    if raw.lower().startswith("bearer "):
        raw = raw[7:].strip()
    if not raw:
        return request.user if request.user.is_authenticated else AnonymousUser()
    user = tokens.authenticate(raw)
    if user is None:
        raise forbidden(_("the API token is not valid (or was revoked)."))
    request.user = user
    return user


@csrf_exempt
def action(request: HttpRequest, action: str) -> HttpResponse:
    """One CKAN action, GET or POST."""
    if request.method == "OPTIONS":
        response = HttpResponse(status=200)
        response["Access-Control-Allow-Origin"] = "*"
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type, X-CKAN-API-Key"
        return response
    if request.method not in ("GET", "POST"):
        return _bad_request(_("Use GET or POST."))
    function = ACTIONS.get(action)
    if function is None:
        return _bad_request(_("Action name not known: %(action)s") % {"action": action})
    envelope: dict[str, Any] = {
        "help": request.build_absolute_uri(
            f"/api/{API_VERSION}/action/help_show?{urlencode({'name': action})}"
        )
    }
    try:
        data = _data(request)
    except BadRequest as exc:
        return _bad_request(str(exc))
    data.pop("callback", None)
    try:
        user = _user(request)
        result = function(Call(request, data, user))
    except ActionError as exc:
        return _answer({**envelope, "success": False, "error": exc.as_error()}, status=exc.status)
    return _answer({**envelope, "success": True, "result": result})
