"""Making stored rows match an imported file: match by natural key, then create, change or remove.

The importers (strategy files, governance files, historic calls) describe the rows a file asks for as
``(key, {attname: value})`` pairs and pass the rows already stored under the same keys; only the
difference is written, so importing an unchanged file writes nothing. What was written is counted in
an ImportResult, which says it in the command's summary and in the audit log.
"""

from __future__ import annotations

import dataclasses
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.db.models import JSONField, Model, ProtectedError, QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import pgettext_lazy

from .files import InvalidFile, Problem
from .money import MoneyField

BATCH = 2000  # rows per statement: well under SQLite's limit on query parameters


@dataclasses.dataclass
class ImportResult:
    """What importing one file wrote: rows created, updated and deleted, by the name of what they are."""

    file: str
    slug: str
    created: Counter = dataclasses.field(default_factory=Counter)
    updated: Counter = dataclasses.field(default_factory=Counter)
    deleted: Counter = dataclasses.field(default_factory=Counter)

    @property
    def changed(self) -> bool:
        return bool(+self.created or +self.updated or +self.deleted)

    @property
    def entities(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())

    def summary(self) -> str:
        """What was written, said in the active language: ``slug: created 3 nodes, 1 project (file)``."""
        if not self.changed:
            return _("%(slug)s: unchanged (%(file)s)") % {"slug": self.slug, "file": self.file}
        parts = []
        for label, counter in (
            (_("created %(items)s"), self.created),
            (_("updated %(items)s"), self.updated),
            (_("deleted %(items)s"), self.deleted),
        ):
            items = ", ".join(
                _("%(n)s %(name)s") % {"n": n, "name": _ROW_NAMES.get(name, name)}
                for name, n in counter.items()
                if n
            )
            if items:
                parts.append(label % {"items": items})
        return _("%(slug)s: %(changes)s (%(file)s)") % {
            "slug": self.slug,
            "changes": "; ".join(parts),
            "file": self.file,
        }


# what the importers count rows as (``sync_rows``'s name), to translate in a summary
_ROW_NAMES = {
    "agenda items": pgettext_lazy("import summary", "agenda items"),
    "alignments": pgettext_lazy("import summary", "alignments"),
    "allocations": pgettext_lazy("import summary", "allocations"),
    "application amounts": pgettext_lazy("import summary", "application amounts"),
    "applications": pgettext_lazy("import summary", "applications"),
    "bodies": pgettext_lazy("import summary", "bodies"),
    "budget lines": pgettext_lazy("import summary", "budget lines"),
    "call budgets": pgettext_lazy("import summary", "call budgets"),
    "call nodes": pgettext_lazy("import summary", "call nodes"),
    "calls": pgettext_lazy("import summary", "calls"),
    "committee seats": pgettext_lazy("import summary", "committee seats"),
    "decisions": pgettext_lazy("import summary", "decisions"),
    "funds": pgettext_lazy("import summary", "funds"),
    "indicators": pgettext_lazy("import summary", "indicators"),
    "members": pgettext_lazy("import summary", "members"),
    "nodes": pgettext_lazy("import summary", "nodes"),
    "observations": pgettext_lazy("import summary", "observations"),
    "organisations": pgettext_lazy("import summary", "organisations"),
    "owners": pgettext_lazy("import summary", "owners"),
    "partners": pgettext_lazy("import summary", "partners"),
    "payments": pgettext_lazy("import summary", "payments"),
    "project links": pgettext_lazy("import summary", "project links"),
    "projects": pgettext_lazy("import summary", "projects"),
    "responsible": pgettext_lazy("import summary", "responsible"),
    "sessions": pgettext_lazy("import summary", "sessions"),
    "stated figures": pgettext_lazy("import summary", "stated figures"),
    "strategies": pgettext_lazy("import summary", "strategies"),
    "terms": pgettext_lazy("import summary", "terms"),
}


def blank(value: str | None) -> str:
    """A text column's value for an optional field of a file: empty text where the file has none."""
    return "" if value is None else value


def sync_rows(
    result: ImportResult,
    model: type[Model],
    name: str,
    existing: dict,
    desired: list[tuple[Any, dict]],
    *,
    objects: bool = True,
    delete: bool = True,
    on_create: Callable[[], dict] | None = None,
    clear_first: tuple[str, ...] = (),
    changed_keys: set | None = None,
) -> dict:
    """Create, update or delete rows of ``model`` so that ``existing`` ({key: row}) matches ``desired``.

    ``desired`` lists (key, {attname: value}); a row is changed only where a value differs, and counted
    in ``result`` under ``name``. Returns the rows by key. ``existing`` is used up.

    - ``objects=False``: new rows go in through a plain multi-row INSERT (COPY on PostgreSQL), without
      building model instances – several times faster for the big tables; they are then not returned.
    - ``delete=False``: rows of ``existing`` that are not desired are left alone (shared rows).
    - ``on_create()``: more values for new rows only (e.g. timestamps that a change must not touch).
    - ``clear_first``: unique fields set to NULL on the changed rows before the update, so that two
      rows may swap their values.
    - ``changed_keys``: a set that gets the keys of the rows updated here (with ``objects=True``; new
      rows are told by ``result.created`` and the returned rows).

    A row that cannot go because other data protects it is an InvalidFile naming ``result.file``.
    """
    if not objects:
        fresh = [fields for key, fields in desired if key not in existing]
        desired = [(key, fields) for key, fields in desired if key in existing]
        by_key = sync_rows(result, model, name, existing, desired, delete=delete, clear_first=clear_first)
        if fresh:
            insert_rows(model, [{**fields, **(on_create() if on_create else {})} for fields in fresh])
            result.created[name] += len(fresh)
        return by_key
    by_key: dict = {}
    to_create: list[Model] = []
    to_update: list[Model] = []
    changed: set[str] = set()
    for key, fields in desired:
        obj = existing.pop(key, None)
        if obj is None:
            obj = model(**fields, **(on_create() if on_create else {}))
            to_create.append(obj)
        else:
            diff = [f for f, v in fields.items() if getattr(obj, f) != v]
            if diff:
                for f in diff:
                    setattr(obj, f, fields[f])
                to_update.append(obj)
                changed.update(diff)
                if changed_keys is not None:
                    changed_keys.add(key)
        by_key[key] = obj
    if existing and delete:
        pks = [o.pk for o in existing.values()]
        try:
            for i in range(0, len(pks), BATCH):
                model.objects.filter(pk__in=pks[i : i + BATCH]).delete()
        except ProtectedError as exc:
            what = ", ".join(sorted({str(o)[:80] for o in exc.protected_objects})[:3])
            message = (
                f"cannot remove {len(pks)} {name} that the file no longer lists: "
                f"other data refers to them ({what})"
            )
            raise InvalidFile([Problem(result.file, None, "", message)]) from None
        result.deleted[name] += len(pks)
    cleared = [f for f in clear_first if f in changed]
    if cleared and to_update:
        model.objects.filter(pk__in=[o.pk for o in to_update]).update(**dict.fromkeys(cleared))
    # changes before new rows: a new row may take a unique value that a changed row gives up
    if to_update:
        model.objects.bulk_update(to_update, sorted(changed), batch_size=500)
        result.updated[name] += len(to_update)
    if to_create:
        model.objects.bulk_create(to_create, batch_size=BATCH)
        result.created[name] += len(to_create)
    return by_key


def sync_links(
    result: ImportResult, stored: QuerySet, name: str, left: str, right: str, desired: set
) -> None:
    """Make the many-to-many rows of ``stored`` (a queryset of a through table) hold exactly ``desired``.

    ``desired`` holds (left id, right id) pairs, ``left`` and ``right`` are the through table's
    attnames; the links added and removed are counted in ``result`` under ``name``.
    """
    through = stored.model
    existing = {(a, b): pk for pk, a, b in stored.values_list("id", left, right)}
    stale = [pk for pair, pk in existing.items() if pair not in desired]
    fresh = desired - existing.keys()
    for i in range(0, len(stale), BATCH):
        through.objects.filter(pk__in=stale[i : i + BATCH]).delete()
    if stale:
        result.deleted[name] += len(stale)
    if fresh:
        insert_rows(through, [{left: a, right: b} for a, b in fresh])
        result.created[name] += len(fresh)


def _json_text(value) -> str:
    return json.dumps(value, ensure_ascii=False)


def insert_rows(model: type[Model], rows: list[dict]) -> None:
    """INSERT many rows given as {attname: value}, converting only what the driver cannot take as is."""
    columns = list(rows[0])
    converters = []
    for attname in columns:
        field = next(f for f in model._meta.concrete_fields if f.attname == attname)
        if isinstance(field, MoneyField):
            converters.append(field.get_prep_value)
        elif isinstance(field, JSONField):
            converters.append(
                _json_text
            )  # a list or dict goes in as JSON text (SQLite, and COPY on PostgreSQL)
        else:
            converters.append(None)
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    params_sql = ", ".join(["%s"] * len(columns))
    # the table and column names come from the model and are quoted; the values are parameters
    sql = f"INSERT INTO {table} ({names}) VALUES ({params_sql})"  # noqa: S608
    plain = all(c is None for c in converters)
    values = (
        [tuple(row[c] for c in columns) for row in rows]
        if plain
        else [
            tuple(
                row[c] if conv is None else conv(row[c]) for c, conv in zip(columns, converters, strict=True)
            )
            for row in rows
        ]
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows in one command; executemany would send one statement per row
            with cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in values:
                    copy.write_row(row)
            return
        for i in range(0, len(values), BATCH):
            cursor.executemany(sql, values[i : i + BATCH])
