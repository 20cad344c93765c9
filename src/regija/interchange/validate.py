"""Check strategy files without a database: ``python -m regija.interchange.validate FILE…``.

Files named together may refer to each other's nodes, organisations and funds.
"""

from __future__ import annotations

import sys

from .reader import InvalidFile, Known, check_references, read_file, walk_nodes


def validate(paths: list[str]) -> list[str]:
    """Return the problems of all files, as printable lines; empty when every file is valid."""
    docs = []
    problems: list[str] = []
    for path in paths:
        try:
            docs.append((path, *read_file(path)))
        except InvalidFile as exc:
            problems.extend(str(p) for p in exc.problems)
    nodes = {doc.strategy.slug: {n.code for n, _, _ in walk_nodes(doc.nodes)} for _, doc, _ in docs}
    known = Known(
        organisations={o.slug for _, d, _ in docs for o in d.organisations},
        funds={f.code for _, d, _ in docs for f in d.funds},
        strategy_nodes=nodes.get,
    )
    for path, doc, text in docs:
        try:
            check_references(doc, path, text, known)
        except InvalidFile as exc:
            problems.extend(str(p) for p in exc.problems)
    return problems


def main(argv: list[str] | None = None) -> int:
    paths = sys.argv[1:] if argv is None else argv
    if not paths:
        print("usage: python -m regija.interchange.validate FILE…", file=sys.stderr)
        return 2
    problems = validate(paths)
    for line in problems:
        print(line)
    if not problems:
        print(f"{len(paths)} file(s) valid")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
