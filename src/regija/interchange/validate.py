"""Check strategy files: ``python -m regija.interchange.validate FILE… [--with FILE…] [--database]``.

Files named together may refer to each other's nodes, organisations and funds. A file may also use
what other documents define: name their files after ``--with`` (they are read, not reported on), or
check against the loaded database with ``--database``. Without these, a reference to an organisation,
fund or strategy defined nowhere in the files is not an error but a reference that could not be
checked: it is listed apart, and the files are valid when nothing else is wrong.

The problems are said in ``--language`` (Slovenian by default, the project's LANGUAGE_CODE): Django is
set up with regija.settings for its translations, which reads no database; only ``--database`` does.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Collection

from regija.core.translate import gettext, ngettext

from .reader import UNRESOLVED, Known, Problem, check_file, defined, load_file, path_text


@dataclasses.dataclass
class Report:
    """The outcome of a check: the problems (errors) and the references that could not be checked."""

    errors: list[str]
    unresolved: list[str]


@dataclasses.dataclass
class Stored:
    """What a loaded database holds that files may refer to."""

    organisations: Collection[str]
    funds: Collection[str]
    strategy_nodes: dict[str, set[str]]


def check(paths: list[str], *, with_files: Collection[str] = (), stored: Stored | None = None) -> Report:
    """Check ``paths``; ``with_files`` may define what they refer to; ``stored`` is the database's content
    (then every reference can be resolved, and one that is not found is an error)."""
    errors: list[str] = []
    loaded = []
    outlines = []
    for path in paths:
        data, where, problems = load_file(path)
        errors.extend(str(p) for p in problems)
        if data is None:
            continue
        outline = defined(data)
        other = next(
            (
                p
                for (p, _, _), o in zip(loaded, outlines, strict=True)
                if outline.slug and o.slug == outline.slug
            ),
            None,
        )
        if other is not None:
            path_of = ("strategy", "slug")
            errors.append(
                str(
                    Problem(
                        path,
                        where.line(path_of),
                        path_text(path_of, data),
                        gettext("%(file)s is also strategy %(slug)s; one strategy is one file")
                        % {"file": other, "slug": repr(outline.slug)},
                    )
                )
            )
        loaded.append((path, data, where))
        outlines.append(outline)
    for path in with_files:
        data, _, problems = load_file(path)
        if data is None:  # a file that cannot be read defines nothing; say so, it is not checked else
            errors.extend(str(p) for p in problems)
        else:
            outlines.append(defined(data))
    # a file checked (or named with --with) replaces what the database holds for its strategy
    nodes = dict(stored.strategy_nodes) if stored else {}
    nodes.update({o.slug: o.nodes for o in outlines if o.slug})
    known = Known(
        organisations={x for o in outlines for x in o.organisations}
        | set(stored.organisations if stored else ()),
        funds={x for o in outlines for x in o.funds} | set(stored.funds if stored else ()),
        strategy_nodes=nodes.get,
        complete=stored is not None,
    )
    unresolved: list[str] = []
    for path, data, where in loaded:
        _, problems = check_file(data, path, where, known)
        for p in problems:
            (unresolved if p.kind == UNRESOLVED else errors).append(str(p))
    return Report(errors, unresolved)


def validate(paths: list[str]) -> list[str]:
    """The problems of the files (errors only), as printable lines; empty when every file is valid."""
    return check(paths).errors


def setup_django() -> None:
    """Set up Django with regija.settings (for its translations; this reads no database), unless it is."""
    from django.apps import apps

    if apps.ready:
        return
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
    django.setup()


def languages() -> tuple[str, list[str]]:
    """The default language and the languages the messages can be said in (regija.settings)."""
    setup_django()
    from django.conf import settings

    return settings.LANGUAGE_CODE, [code for code, _name in settings.LANGUAGES]


def database_content() -> Stored:
    """Read the organisations, funds and strategies' node codes of the loaded database."""
    setup_django()
    from regija.core.models import Organisation
    from regija.projects.models import Fund
    from regija.strategies.models import Node

    nodes: dict[str, set[str]] = {}
    for slug, code in Node.objects.values_list("strategy__slug", "code"):
        nodes.setdefault(slug, set()).add(code)
    return Stored(
        organisations=set(Organisation.objects.values_list("slug", flat=True)),
        funds=set(Fund.objects.values_list("code", flat=True)),
        strategy_nodes=nodes,
    )


def main(argv: list[str] | None = None) -> int:
    from django.utils import translation

    default_language, language_codes = languages()
    parser = argparse.ArgumentParser(
        prog="python -m regija.interchange.validate",
        description="Check strategy files (docs/strategy-file.md); nothing is written.",
    )
    parser.add_argument("files", nargs="*", metavar="FILE", help="files to check")
    parser.add_argument(
        "--with",
        dest="with_files",
        nargs="+",
        action="extend",
        default=[],
        metavar="FILE",
        help="other files whose strategies, organisations and funds the checked files may use "
        "(read, not reported on)",
    )
    parser.add_argument(
        "--database",
        action="store_true",
        help="check references against the loaded database (sets up Django with regija.settings)",
    )
    parser.add_argument(
        "--language",
        default=default_language,
        choices=language_codes,
        help="the language of the problems (default: %(default)s)",
    )
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    with translation.override(args.language):
        return _run(parser, args)


def _run(parser: argparse.ArgumentParser, args: argparse.Namespace) -> int:
    if not args.files:
        parser.print_usage(sys.stderr)
        print(gettext("name at least one FILE to check"), file=sys.stderr)
        return 2
    report = check(
        args.files, with_files=args.with_files, stored=database_content() if args.database else None
    )
    for line in report.errors:
        print(line)
    for line in report.unresolved:
        print(line)
    files = len(args.files)
    if report.errors:
        problems = ngettext("%(n)s problem", "%(n)s problems", len(report.errors)) % {"n": len(report.errors)}
        print(
            ngettext("%(problems)s found in %(n)s file", "%(problems)s found in %(n)s files", files)
            % {"problems": problems, "n": files}
        )
    else:
        print(ngettext("%(n)s file valid", "%(n)s files valid", files) % {"n": files})
    if report.unresolved:
        n = len(report.unresolved)
        print(
            ngettext(
                "%(n)s reference could not be checked: it names an organisation, fund or strategy that the "
                "files checked do not define.",
                "%(n)s references could not be checked: they name organisations, funds or strategies that "
                "the files checked do not define.",
                n,
            )
            % {"n": n}
            + " "
            + gettext(
                "Name the files that define them with --with FILE…, or check against the loaded database "
                "with --database."
            )
        )
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
