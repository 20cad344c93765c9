"""The search index: one document per searchable object, its terms with weights, and the forms table.

The index is derived data: ``regija rebuild_search_index`` recreates it from the other tables at any
time. It is plain tables queried with portable SQL, so SQLite and PostgreSQL give the same results.
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

# Postings store a kind as a small number instead of its name (twice per posting: the table and its
# rank index). Fixed codes, never renumbered – they are in every stored posting; a new kind takes the
# next number (and a migration need not touch the postings).
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
    # The document's terms, space-separated (a term has no space): which postings to delete when the
    # document is rewritten or removed, and which term counts to lower, without an index of the
    # postings by document.
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


class Posting(models.Model):
    """One term of one document. ``weight`` is the highest weight of a field the term occurs in.

    The primary key is (term, document): a query word's postings are one range of it, and whether a
    document has a term is one lookup in it. On SQLite the table is ``WITHOUT ROWID`` (migration
    0004): the rows are stored in that key's B-tree, so it is the table and its index in one. There
    is no index by document: a document's postings are found through its own list of terms
    (``Document.terms``), which is also what deleting them uses.
    """

    pk = models.CompositePrimaryKey("term", "document")
    term = models.CharField(_("search term"), max_length=64)
    # No database constraint and DO_NOTHING: postings are always deleted explicitly before their
    # documents (see indexing.py), so every delete is one set-based statement, and a rebuild does not
    # queue millions of deferred foreign-key checks. Searches join postings to documents, so a stray
    # posting could never show up anyway. No index of its own (db_index=False): see above.
    document = models.ForeignKey(
        Document,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="postings",
        verbose_name=_("document"),
    )
    weight = models.PositiveSmallIntegerField(_("weight"))
    # Copies of the document's kind (its POSTING_KIND code) and rank: a search counts the matches of a
    # word from this table alone and ranks them by (weight, rank) – the order of score, folded title
    # and object – without reading a document (search/selectors.py); only the hits shown are read.
    kind = models.PositiveSmallIntegerField(_("kind"))
    rank = models.BigIntegerField(_("rank"))

    class Meta:
        verbose_name = _("search posting")
        verbose_name_plural = _("search postings")
        indexes = [
            # a one-term word: its matches of one kind counted, and the best ones in order, from the index
            models.Index(
                fields=["term", "kind", "-weight", "rank", "document"],
                name="search_posting_rank",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} → {self.document_id} ({self.weight})"


class TermCount(models.Model):
    """How many documents of a kind have a term: kept with every write of postings (search/indexing.py).

    Lets a search know each word's number of hits per kind without counting its postings (100 000 of
    them for "projekt" in a large country), and join a query's words starting from the rarest.
    The primary key is (term, kind), what the upserts and the searches look up; on SQLite the table is
    ``WITHOUT ROWID`` (migration 0009), one B-tree instead of a table and a unique index.
    """

    pk = models.CompositePrimaryKey("term", "kind")
    term = models.CharField(_("search term"), max_length=64)
    kind = models.CharField(_("kind"), max_length=12)
    documents = models.IntegerField(_("documents"))

    class Meta:
        verbose_name = _("search term count")
        verbose_name_plural = _("search term counts")

    def __str__(self) -> str:
        return f"{self.term} ({self.kind}): {self.documents}"


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
