"""The search index: one document per searchable object, its postings (runs and segments), word forms.

The index is derived data: ``regija rebuild_search_index`` recreates it from the other tables at any
time. It is plain tables (the postings packed in blobs, store.py) read with portable SQL, so SQLite
and PostgreSQL give the same results.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """What a document is; the order here is the order of the groups on the results page."""

    STRATEGY = "strategy", _("strategies")
    NODE = "node", _("strategy nodes")
    INDICATOR = "indicator", _("indicators")
    PROJECT = "project", _("projects")
    ORGANISATION = "organisation", _("organisations")
    DATASET = "dataset", _("datasets")  # indexed when the lake app registers its source (lake/apps.py)
    # indexed when participation and budgeting register their sources (their indexed.py)
    PROPOSAL = "proposal", _("residents' proposals")
    BUDGET_PROPOSAL = "pb_proposal", _("participatory budget proposals")


KIND_ORDER = [k.value for k in Kind]

# Runs and segments store a kind as a small number instead of its name. Fixed codes, never renumbered –
# they are in every stored run; a new kind takes the next number (and a migration need not touch the
# postings).
POSTING_KIND = {
    "strategy": 1,
    "node": 2,
    "indicator": 3,
    "project": 4,
    "organisation": 5,
    "dataset": 6,
    "proposal": 7,
    "pb_proposal": 8,
}
KIND_OF_POSTING = {code: kind for kind, code in POSTING_KIND.items()}

# A document's rank is its place among the documents of its kind in the order of their sort key (then
# object id), as a number: postings carry it, so one word's hits come in their final order straight
# from the rank index. New documents take numbers in the gap between their neighbours (indexing.py);
# a rebuild, or a gap that has run out, numbers the kind again RANK_GAP apart.
RANK_GAP = 1 << 32
RANK_LIMIT = 1 << 62  # ranks stay below this (a signed 64-bit integer on both databases)


class Document(models.Model):
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    object_id = models.BigIntegerField(_("object"))
    # The strategy the object belongs to (none for organisations), so that one strategy's documents
    # can be replaced at once. A plain number, not a foreign key: the index never blocks a delete.
    strategy_ref = models.BigIntegerField(_("strategy"), null=True, blank=True, db_index=True)
    code = models.CharField(_("code"), max_length=64, blank=True)
    title = models.TextField(_("title"))
    context = models.TextField(_("context"), blank=True)
    # Path without the script prefix, e.g. "/strategije/velenje/5.1/".
    url = models.CharField(_("URL"), max_length=500)
    # Folded lower-case title: a tie-break that sorts the same on every database (compared bytewise).
    sort_key = models.CharField(_("sort key"), max_length=100)
    # Hash of the source row the document was built from: re-indexing a strategy skips unchanged rows.
    digest = models.CharField(_("content hash"), max_length=32)
    # The document's terms, space-separated (a term has no space): when the document is rewritten or
    # removed, which (term, kind) runs hold it (the merge rewrites them) and whose counts to lower.
    terms = models.TextField(_("search terms"), blank=True, default="")
    # The place of the document among those of its kind in the order (sort_key bytewise, object_id):
    # unique within the kind, copied into its postings (see RANK_GAP).
    rank = models.BigIntegerField(_("rank"), default=0)

    class Meta:
        verbose_name = _("search document")
        verbose_name_plural = _("search documents")
        constraints = [models.UniqueConstraint(fields=["kind", "object_id"], name="search_document_unique")]
        indexes = [
            # a new document's neighbours in the order, whose ranks its own goes between (indexing.py);
            # on PostgreSQL sort_key has the "C" collation (migration 0008), so this is the bytewise order
            models.Index(fields=["kind", "sort_key", "object_id", "rank"], name="search_document_order"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.object_id}: {self.title[:60]}"


class Run(models.Model):
    """One term's documents of one kind, best first: packed arrays of ranks, documents and weights.

    The order of the entries is the order of the results (weight descending, rank, document), so a
    one-word page is the start of its runs. A term has one run per kind after a rebuild and more after
    merges (``gen``: the last segment merged into it); see store.py for the format and the merging.
    """

    pk = models.CompositePrimaryKey("term", "kind", "gen")
    term = models.CharField(_("search term"), max_length=64)
    # the documents' kind as its POSTING_KIND code
    kind = models.PositiveSmallIntegerField(_("kind"))
    gen = models.BigIntegerField(_("generation"))
    documents = models.IntegerField(_("documents"))
    data = models.BinaryField(_("entries"))

    class Meta:
        verbose_name = _("search run")
        verbose_name_plural = _("search runs")

    def __str__(self) -> str:
        return f"{self.term} ({KIND_OF_POSTING.get(self.kind, self.kind)}, {self.gen}): {self.documents}"


class Segment(models.Model):
    """What one write of the index added and removed, until a merge moves it into runs (store.py)."""

    # A random number: what a process's decoded copy of the segment is known by. Not the id: a rolled-back
    # transaction gives its segment's id out again (SQLite), and a search inside it may have read it.
    # Before the contents: a database reads a row's columns in order, and the contents are large.
    nonce = models.BigIntegerField(_("nonce"))
    postings = models.IntegerField(_("postings"))
    data = models.BinaryField(_("contents"))

    class Meta:
        verbose_name = _("search segment")
        verbose_name_plural = _("search segments")

    def __str__(self) -> str:
        return f"segment {self.pk}: {self.postings} postings"


class Form(models.Model):
    """A word seen with diacritics, folded ("obcine"), and a lemma of it ("obcina").

    Lets a query typed without č, š, ž be lemmatised through the words actually in the data.
    """

    form = models.CharField(_("word form"), max_length=64)
    lemma = models.CharField(_("lemma"), max_length=64)

    class Meta:
        verbose_name = _("word form")
        verbose_name_plural = _("word forms")
        constraints = [models.UniqueConstraint(fields=["form", "lemma"], name="search_form_unique")]

    def __str__(self) -> str:
        return f"{self.form} → {self.lemma}"
