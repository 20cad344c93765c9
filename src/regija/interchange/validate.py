"""Check strategy files: ``python -m regija.interchange.validate FILE… [--with FILE…] [--database]``.

Files named together may refer to each other's nodes, organisations and funds. A file may also use
what other documents define: name their files after ``--with`` (they are read, not reported on), or
check against the loaded database with ``--database``. Without these, a reference to an organisation,
fund or strategy defined nowhere in the files is not an error but a reference that could not be
checked: it is listed apart, and the files are valid when nothing else is wrong.

Without ``--database`` no Django project is set up, so files can be checked anywhere.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from collections.abc import Collection

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
                        f"{other} is also strategy {outline.slug!r}; one strategy is one file",
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


def database_content() -> Stored:
    """Set up Django with regija.settings and read the organisations, funds and strategies' node codes."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "regija.settings")
    django.setup()
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
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    if not args.files:
        parser.print_usage(sys.stderr)
        print("name at least one FILE to check", file=sys.stderr)
        return 2
    report = check(
        args.files, with_files=args.with_files, stored=database_content() if args.database else None
    )
    for line in report.errors:
        print(line)
    for line in report.unresolved:
        print(line)
    if report.errors:
        print(f"{len(report.errors)} problem(s) found in {len(args.files)} file(s)")
    else:
        print(f"{len(args.files)} file(s) valid")
    if report.unresolved:
        print(
            f"{len(report.unresolved)} reference(s) could not be checked: they name organisations, funds or "
            "strategies that the files checked do not define. Name the files that define them with "
            "--with FILE…, or check against the loaded database with --database."
        )
    return 1 if report.errors else 0


if __name__ == "__main__":
    sys.exit(main())
