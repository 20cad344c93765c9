"""Generate a synthetic country as strategy files, one file at a time (never all in memory).

    python bench/generate.py OUT_DIR [--scale 1.0]

At scale 1: 200 strategies, 20 000 nodes, 100 000 projects, 300 000 budget lines,
1 000 000 observations (plus 20 000 indicators, 100 000 partners, 100 000 payments,
40 000 alignments). Deterministic: the same scale gives the same files.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
from pathlib import Path

import yaml

try:
    Dumper = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    Dumper = yaml.SafeDumper

FUNDS = ["EKSRP", "ESRR", "ESS", "SPP", "KS", "INTERREG", "CLLD", "OBC", "DRZ", "LASTNA"]
STATUSES = ["idea", "applied", "approved", "in_progress", "completed", "withdrawn"]


def counts(scale: float) -> dict[str, int]:
    strategies = max(1, round(200 * scale))
    return {
        "strategies": strategies,
        "nodes_per": 100,  # 10 goals × 9 measures/activities each
        "projects_per": 500,
        "lines_per_project": 3,
        "indicators_per": 100,
        "observations_per_indicator": 50,
        "organisations": max(10, round(2000 * scale)),
    }


def strategy_doc(i: int, c: dict, rng: random.Random) -> dict:
    slug = f"bench-{i:04d}"
    orgs = c["organisations"]
    doc: dict = {
        "regija": 1,
        "strategy": {
            "slug": slug,
            "title": f"Razvojna strategija {i}",
            "owners": [f"org-{i % orgs:05d}"],
            "territory": [f"Občina {i % 212}"],
            "period": {"start": "2021", "end": "2030"},
            "status": "in_implementation",
            "source": {"title": f"Sintetični dokument {i}"},
        },
    }
    if i == 0:
        doc["organisations"] = [
            {
                "slug": f"org-{k:05d}",
                "name": f"Organizacija {k}",
                "kind": "company" if k % 3 else "municipality",
            }
            for k in range(orgs)
        ]
        doc["funds"] = [
            {
                "code": f,
                "name": f"Sklad {f}",
                "allocations": [{"owner": "org-00000", "period": "2021-2027", "amount": 50_000_000.0}],
            }
            for f in FUNDS
        ]
    nodes = []
    codes = []
    for g in range(10):
        children = []
        for m in range(9):
            code = f"{g + 1}.{m + 1}"
            codes.append(code)
            children.append(
                {"code": code, "level": "measure", "title": f"Ukrep {code}", "source": "Poglavje 5"}
            )
        nodes.append({"code": str(g + 1), "level": "goal", "title": f"Cilj {g + 1}", "children": children})
    doc["nodes"] = nodes
    doc["alignments"] = [
        {"from": code, "to": str(rng.randint(1, 10)), "type": "contributes_to", "source": "Tabela 9"}
        for code in codes
        for _ in range(2)
    ]
    # de-duplicate alignments the random draw repeated
    seen = set()
    doc["alignments"] = [
        a
        for a in doc["alignments"]
        if (a["from"], a["to"]) not in seen and not seen.add((a["from"], a["to"]))
    ]
    start = dt.date(2021, 1, 31)
    doc["indicators"] = [
        {
            "code": f"K{k}",
            "node": str(k % 10 + 1),
            "name": f"Kazalnik {k}",
            "unit": "%",
            "baseline": {"value": 10, "date": "2020-12-31"},
            "target": {"value": 50, "date": "2030-12-31"},
            "observations": [
                {
                    "date": (start + dt.timedelta(days=30 * o)).isoformat(),
                    "value": round(10 + o * 0.7 + rng.random(), 2),
                }
                for o in range(c["observations_per_indicator"])
            ],
        }
        for k in range(c["indicators_per"])
    ]
    projects = []
    for p in range(c["projects_per"]):
        amounts = [round(rng.uniform(1_000, 500_000), 2) for _ in range(c["lines_per_project"])]
        funds = rng.sample(FUNDS, c["lines_per_project"])
        projects.append(
            {
                "code": f"P-{p:05d}",
                "title": f"Projekt {i}-{p}",
                "holder": f"org-{rng.randrange(orgs):05d}",
                "status": STATUSES[p % len(STATUSES)],
                "start": "2022-03",
                "end": "2025-09",
                "nodes": [rng.choice(codes)],
                "partners": [
                    {
                        "organisation": f"org-{rng.randrange(orgs):05d}",
                        "role": "partner",
                        "budget_share": 1000.0,
                    }
                ],
                "budget": [
                    {"fund": f, "amount": a, "secured": ("yes", "no", "partly")[k % 3]}
                    for k, (f, a) in enumerate(zip(funds, amounts, strict=True))
                ],
                "payments": [
                    {
                        "label": "1. zahtevek",
                        "amount": round(amounts[0] / 2, 2),
                        "state": "paid",
                        "fund": funds[0],
                    }
                ],
            }
        )
    doc["projects"] = projects
    doc["stated"] = [{"label": "Število ciljev", "what": "nodes", "scope": {"level": "goal"}, "value": 10}]
    return doc


def generate(out: Path, scale: float = 1.0) -> list[Path]:
    out.mkdir(parents=True, exist_ok=True)
    c = counts(scale)
    rng = random.Random(2026)
    paths = []
    for i in range(c["strategies"]):
        path = out / f"bench-{i:04d}.yaml"
        with path.open("w", encoding="utf-8") as fh:
            yaml.dump(strategy_doc(i, c, rng), fh, Dumper=Dumper, allow_unicode=True, sort_keys=False)
        paths.append(path)
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("out", type=Path)
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    paths = generate(args.out, args.scale)
    print(f"{len(paths)} files in {args.out}")


if __name__ == "__main__":
    main()
