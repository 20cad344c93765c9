"""A dataset's metadata quality, scored the way data.europa.eu's Metadata Quality Assessment (MQA) scores
the datasets it harvests: five dimensions, 405 points, rated excellent (351–405), good (221–350),
sufficient (121–220) or bad (0–120). Editors see the score and, for each point lost, what to do about it.

The indicators and their points are the MQA methodology's (docs/lake.md has the table). An indicator the
MQA checks on distributions scores the share of the dataset's distributions that meet it (two of three
downloads with a known size: two thirds of the points); one it checks on the dataset scores all or
nothing. What each indicator looks at is what our DCAT-AP output (``lake.dcat``) says, so the score is
the one data.europa.eu would compute from our catalogue, with two judgements of our own:

- *reachable*: our own downloads are served by us, so they count as reachable when the dataset has a
  version to serve; a linked dataset's source address counts when the link checker
  (``tasks.check_links``, daily, and at once when the address is added or changed) found it answering
  (HTTP 2xx/3xx) within the last week – unchecked, failing or long unchecked gives no points, as the MQA
  gives none to an address it could not reach;
- *DCAT-AP compliance*: the mandatory properties of DCAT-AP 3.0 checked on the model
  (``dcat.mandatory_missing``), the same as the Violation-level constraints of our SHACL shapes, instead
  of running pyshacl per dataset (tens of milliseconds each: too slow for a list).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from . import dcat
from .vocabularies import MACHINE_READABLE, MEDIA_TYPES, NON_PROPRIETARY, FileType

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise

    from .models import Dataset, Distribution

MAX_POINTS = 405
# (lowest total, rating): the MQA's rating bands
RATINGS = ((351, "excellent"), (221, "good"), (121, "sufficient"), (0, "bad"))
RATING_LABELS = {
    "excellent": pgettext_lazy("metadata quality", "excellent"),
    "good": pgettext_lazy("metadata quality", "good"),
    "sufficient": pgettext_lazy("metadata quality", "sufficient"),
    "bad": pgettext_lazy("metadata quality", "bad"),
}
DIMENSIONS = {
    "findability": gettext_lazy("Findability"),
    "accessibility": gettext_lazy("Accessibility"),
    "interoperability": gettext_lazy("Interoperability"),
    "reusability": gettext_lazy("Reusability"),
    "contextuality": gettext_lazy("Contextuality"),
}


@dataclass(frozen=True)
class Improvement:
    """What an editor can do, and how many points it brings."""

    points: float
    message: str


@dataclass(frozen=True)
class IndicatorScore:
    key: str
    dimension: str
    points: float
    max: int


@dataclass(frozen=True)
class DimensionScore:
    key: str
    label: str
    points: float
    max: int


@dataclass(frozen=True)
class Score:
    total: float
    rating: str  # excellent | good | sufficient | bad
    rating_label: str
    dimensions: list[DimensionScore]
    indicators: list[IndicatorScore]
    improvements: list[Improvement]
    max: int = MAX_POINTS


def rating(total: float) -> str:
    return next(name for lowest, name in RATINGS if total >= lowest)


# -------------------------------------------------------------------------------------- the checks
#
# Each returns the share (0 to 1) of what it looks at that meets the indicator.


def _share(distributions: Sequence[Distribution], test: Callable[[Distribution], bool]) -> float:
    if not distributions:
        return 0.0
    return sum(1 for d in distributions if test(d)) / len(distributions)


@dataclass(frozen=True)
class Indicator:
    key: str
    dimension: str
    max: int
    on_distributions: bool
    check: Callable[[Dataset, Sequence[Distribution]], float]
    advice: _StrPromise | None  # what to do, with %(points)s; None: nothing an editor can do


def _has_version(dataset: Dataset) -> bool:
    return dataset.current_id is not None


def _reachable(dataset: Dataset, dist: Distribution) -> bool:
    # our own download is reachable when there is a version to serve; a link's address when the link
    # checker found it answering lately
    if dist.in_lake:
        return _has_version(dataset)
    return dist.reachable is True


def _format_known(dist: Distribution) -> bool:
    return dist.format in FileType.values


def _byte_size_known(dataset: Dataset, dist: Distribution) -> bool:
    # as lake.dcat states it: only the Parquet download's size is known (it is the version's file)
    version = dataset.current
    return (
        dist.in_lake and dist.format == FileType.PARQUET and version is not None and version.parquet_bytes > 0
    )


INDICATORS = (
    # findability
    Indicator(
        "keywords",
        "findability",
        30,
        False,
        lambda ds, _d: float(bool(ds.keywords or ds.keywords_en)),
        gettext_lazy("Add keywords (+%(points)s)."),
    ),
    Indicator(
        "categories",
        "findability",
        30,
        False,
        lambda ds, _d: float(bool(ds.themes)),
        gettext_lazy("Choose at least one EU data theme (+%(points)s)."),
    ),
    Indicator(
        "geo_search",
        "findability",
        20,
        False,
        lambda ds, _d: float(bool(list(ds.spatial.all()))),
        gettext_lazy(
            "Add the spatial coverage: the municipalities or regions the data covers (+%(points)s)."
        ),
    ),
    Indicator(
        "time_search",
        "findability",
        20,
        False,
        lambda ds, _d: float(bool(ds.temporal_start or ds.temporal_end)),
        gettext_lazy("Add the period the data covers (+%(points)s)."),
    ),
    # accessibility
    Indicator(
        "access_url_status",
        "accessibility",
        50,
        True,
        lambda ds, dists: _share(dists, lambda d: _reachable(ds, d)),
        gettext_lazy(
            "Make every distribution reachable: the address of a linked source must answer the link "
            "checker (it visits daily; see the distributions below), or add the data to the lake "
            "(+%(points)s)."
        ),
    ),
    Indicator(
        "download_url",
        "accessibility",
        20,
        True,
        lambda _ds, dists: _share(dists, lambda d: d.in_lake),
        gettext_lazy(
            "Offer the data as a download: copy it into the lake rather than link to its source "
            "(+%(points)s)."
        ),
    ),
    Indicator(
        "download_url_status",
        "accessibility",
        30,
        True,
        lambda ds, dists: _share(dists, lambda d: d.in_lake and _has_version(ds)),
        gettext_lazy("Add the data so that every download works (+%(points)s)."),
    ),
    # interoperability
    Indicator(
        "format",
        "interoperability",
        20,
        True,
        lambda _ds, dists: _share(dists, _format_known),
        gettext_lazy("Give every distribution its format (+%(points)s)."),
    ),
    Indicator(
        "media_type",
        "interoperability",
        10,
        True,
        lambda _ds, dists: _share(dists, lambda d: _format_known(d) and FileType(d.format) in MEDIA_TYPES),
        gettext_lazy("Give every distribution its media type (+%(points)s)."),
    ),
    Indicator(
        "vocabulary",
        "interoperability",
        10,
        True,
        # our formats are codes of the EU file-type vocabulary, our media types IANA's
        lambda _ds, dists: _share(dists, _format_known),
        gettext_lazy("Use formats from the EU file-type vocabulary (+%(points)s)."),
    ),
    Indicator(
        "non_proprietary",
        "interoperability",
        20,
        True,
        lambda _ds, dists: _share(
            dists, lambda d: _format_known(d) and FileType(d.format) in NON_PROPRIETARY
        ),
        gettext_lazy(
            "Offer the data in a non-proprietary format such as CSV, JSON or Parquet (+%(points)s)."
        ),
    ),
    Indicator(
        "machine_readable",
        "interoperability",
        20,
        True,
        lambda _ds, dists: _share(
            dists, lambda d: _format_known(d) and FileType(d.format) in MACHINE_READABLE
        ),
        gettext_lazy(
            "Offer the data in a machine-readable format such as CSV, JSON or Parquet, not as a web page "
            "(+%(points)s)."
        ),
    ),
    Indicator(
        "dcat_ap",
        "interoperability",
        30,
        False,
        lambda ds, _d: float(not dcat.mandatory_missing(ds)),
        None,  # the advice names what is missing (see ``score``)
    ),
    # reusability
    Indicator(
        "licence",
        "reusability",
        20,
        True,
        lambda ds, dists: _share(dists, lambda _d: bool(ds.licence)),
        gettext_lazy("Choose a licence (+%(points)s)."),
    ),
    Indicator(
        "licence_vocabulary",
        "reusability",
        10,
        True,
        lambda ds, dists: _share(dists, lambda _d: bool(ds.licence)),  # always one of the EU licence codes
        gettext_lazy("Choose a licence from the EU vocabulary (+%(points)s)."),
    ),
    Indicator(
        "access_rights",
        "reusability",
        10,
        False,
        lambda ds, _d: float(bool(ds.access_rights)),
        gettext_lazy("Say who may access the data (+%(points)s)."),
    ),
    Indicator(
        "access_rights_vocabulary",
        "reusability",
        5,
        False,
        lambda ds, _d: float(bool(ds.access_rights)),  # always one of the EU access-right codes
        gettext_lazy("Say who may access the data, from the EU vocabulary (+%(points)s)."),
    ),
    Indicator(
        "contact_point",
        "reusability",
        20,
        False,
        lambda ds, _d: float(dcat.has_contact(ds)),
        gettext_lazy("Add a contact point: a name or an e-mail address for questions (+%(points)s)."),
    ),
    Indicator(
        "publisher",
        "reusability",
        10,
        False,
        lambda ds, _d: float(ds.publisher_id is not None),
        None,
    ),
    # contextuality
    Indicator(
        "rights",
        "contextuality",
        5,
        True,
        lambda _ds, dists: _share(dists, lambda _d: True),  # every distribution states the rights
        None,
    ),
    Indicator(
        "file_size",
        "contextuality",
        5,
        True,
        lambda ds, dists: _share(dists, lambda d: _byte_size_known(ds, d)),
        None,  # only the Parquet file's size is known; nothing an editor can change
    ),
    Indicator(
        "issued",
        "contextuality",
        5,
        False,
        lambda ds, _d: float(ds.issued is not None),
        gettext_lazy(
            "Publish the dataset: the day it is first published is its date of issue (+%(points)s)."
        ),
    ),
    Indicator(
        "modified",
        "contextuality",
        5,
        False,
        lambda ds, _d: float(ds.modified is not None),
        None,
    ),
)


def _points(value: float) -> str:
    """Points as people of the active language write them: 30, 6.7 (6,7 in Slovenian)."""
    if value == int(value):
        return str(int(value))
    return number_format(value, decimal_pos=1)


def _missing_advice(missing: list[str], points: float) -> str:
    labels = {
        "dct:title": _("a title"),
        "dct:description": _("a description"),
        "foaf:name": _("the publisher's name"),
    }
    what = ", ".join(labels.get(m, m) for m in missing)
    return _("Add what DCAT-AP requires: %(what)s (+%(points)s).") % {"what": what, "points": _points(points)}


def score(dataset: Dataset) -> Score:
    """The dataset's MQA score. Reads its publisher, current version, distributions and spatial coverage
    (select and prefetch them for a list: ``selectors.with_details``)."""
    distributions = list(dataset.distributions.all())
    indicators: list[IndicatorScore] = []
    improvements: list[Improvement] = []
    lost_for_want_of_distributions = 0.0
    for indicator in INDICATORS:
        points = round(indicator.max * indicator.check(dataset, distributions), 1)
        indicators.append(IndicatorScore(indicator.key, indicator.dimension, points, indicator.max))
        lost = round(indicator.max - points, 1)
        if lost <= 0:
            continue
        if indicator.on_distributions and not distributions:
            lost_for_want_of_distributions += lost
        elif indicator.key == "dcat_ap":
            improvements.append(Improvement(lost, _missing_advice(dcat.mandatory_missing(dataset), lost)))
        elif indicator.advice is not None:
            improvements.append(Improvement(lost, str(indicator.advice) % {"points": _points(lost)}))
    if lost_for_want_of_distributions:
        lost = round(lost_for_want_of_distributions, 1)
        improvements.append(
            Improvement(
                lost,
                _(
                    "Add the data: upload a file, fetch it from an address or link to its source "
                    "(+%(points)s)."
                )
                % {"points": _points(lost)},
            )
        )
    dimensions = [
        DimensionScore(
            key,
            str(label),
            round(sum(i.points for i in indicators if i.dimension == key), 1),
            sum(i.max for i in INDICATORS if i.dimension == key),
        )
        for key, label in DIMENSIONS.items()
    ]
    total = round(sum(d.points for d in dimensions), 1)
    name = rating(total)
    improvements.sort(key=lambda i: -i.points)
    return Score(total, name, str(RATING_LABELS[name]), dimensions, indicators, improvements)
