"""regija audit verify | head: check the audit log's hash chain, or print its end to keep elsewhere."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from regija.core import audit


def _moment(at: dt.datetime | None) -> str:
    return at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if at else ""


class Command(BaseCommand):
    help = (
        "verify: check the audit log's hash chain and name the first broken entry (exit 1); "
        "head: print the hash of the last entry, to keep outside the database."
    )

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="what", required=True, metavar="verify|head")
        check = sub.add_parser("verify", help="check every entry of the chain")
        check.add_argument(
            "--head",
            default="",
            metavar="HASH",
            help="a hash printed earlier by 'regija audit head': it must still be in the chain",
        )
        sub.add_parser("head", help="print the last entry's id, time and hash")

    def handle(self, *args, what, head="", **options):
        if what == "head":
            self._head()
        else:
            self._verify(head.strip().lower())

    def _head(self) -> None:
        stored = audit.head()
        if stored is None or stored.entry_id is None:
            self.stdout.write("The audit log is empty.")
            return
        entry = audit.AuditEntry.objects.filter(pk=stored.entry_id).only("at").first()
        at = f", {_moment(entry.at)}" if entry is not None else ""
        self.stdout.write(f"entry {stored.entry_id}{at}: {stored.hash}")

    def _verify(self, kept_head: str) -> None:
        result = audit.verify(kept_head)
        if result.broken is None:
            self.stdout.write(
                f"{result.checked} entries checked: OK. Last entry {result.last_id or '–'}"
                + (f", hash {result.last_hash}" if result.last_hash else "")
            )
            return
        broken = result.broken
        where = f" at entry {broken.entry_id}" if broken.entry_id is not None else ""
        if broken.at is not None:
            where += f" ({_moment(broken.at)})"
        raise CommandError(
            f"The audit log is broken{where}: {broken.problem}. "
            f"{result.checked} entries before it are intact.",
            returncode=1,
        )
