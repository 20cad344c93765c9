"""The EU vocabularies a dataset's metadata uses (DCAT-AP 3.0 asks for them by URI).

Each is a Named Authority List of the EU Publications Office: the code stored on a dataset is the last
part of the concept's URI (``.../data-theme/ECON``), so the DCAT-AP output, the CKAN API and data.europa.eu
all read the same thing. Labels are ours, in Slovenian and English.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

EU = "http://publications.europa.eu/resource/authority/"


class Theme(models.TextChoices):
    """EU data themes (``data-theme``): DCAT-AP's recommended ``dcat:theme`` vocabulary."""

    AGRI = "AGRI", _("Agriculture, fisheries, forestry and food")
    ECON = "ECON", _("Economy and finance")
    EDUC = "EDUC", _("Education, culture and sport")
    ENER = "ENER", _("Energy")
    ENVI = "ENVI", _("Environment")
    GOVE = "GOVE", _("Government and public sector")
    HEAL = "HEAL", _("Health")
    INTR = "INTR", _("International issues")
    JUST = "JUST", _("Justice, legal system and public safety")
    REGI = "REGI", _("Regions and cities")
    SOCI = "SOCI", _("Population and society")
    TECH = "TECH", _("Science and technology")
    TRAN = "TRAN", _("Transport")


class Frequency(models.TextChoices):
    """How often a dataset changes (``frequency``)."""

    CONT = "CONT", _("continuously")
    HOURLY = "HOURLY", _("hourly")
    DAILY = "DAILY", _("daily")
    WEEKLY = "WEEKLY", _("weekly")
    MONTHLY = "MONTHLY", _("monthly")
    QUARTERLY = "QUARTERLY", _("quarterly")
    ANNUAL_2 = "ANNUAL_2", _("twice a year")
    ANNUAL = "ANNUAL", _("annual")
    BIENNIAL = "BIENNIAL", _("every two years")
    TRIENNIAL = "TRIENNIAL", _("every three years")
    IRREG = "IRREG", _("irregular")
    NEVER = "NEVER", _("never")
    UNKNOWN = "UNKNOWN", _("unknown")


class Licence(models.TextChoices):
    """Licences (``licence``); CC BY 4.0 is the default, as the Slovenian open-data portal recommends."""

    CC_BY_4_0 = "CC_BY_4_0", _("Creative Commons Attribution 4.0")
    CC0 = "CC0", _("Creative Commons CC0 1.0 (public domain)")
    CC_BYSA_4_0 = "CC_BYSA_4_0", _("Creative Commons Attribution-ShareAlike 4.0")
    ODC_BY = "ODC_BY", _("Open Data Commons Attribution")
    ODC_ODBL = "ODC_ODBL", _("Open Data Commons Open Database License")
    ODC_PDDL = "ODC_PDDL", _("Open Data Commons Public Domain Dedication and Licence")


# The licences' own pages, for people (the CKAN API's license_url) – the EU URI is for machines.
LICENCE_URLS = {
    Licence.CC_BY_4_0: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC0: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.CC_BYSA_4_0: "https://creativecommons.org/licenses/by-sa/4.0/",
    Licence.ODC_BY: "https://opendatacommons.org/licenses/by/1-0/",
    Licence.ODC_ODBL: "https://opendatacommons.org/licenses/odbl/1-0/",
    Licence.ODC_PDDL: "https://opendatacommons.org/licenses/pddl/1-0/",
}
# CKAN's licence ids (its default licence list) for the same licences.
CKAN_LICENCE_IDS = {
    Licence.CC_BY_4_0: "cc-by",
    Licence.CC0: "cc-zero",
    Licence.CC_BYSA_4_0: "cc-by-sa",
    Licence.ODC_BY: "odc-by",
    Licence.ODC_ODBL: "odc-odbl",
    Licence.ODC_PDDL: "odc-pddl",
}


class AccessRights(models.TextChoices):
    """Who may get the data (``access-right``)."""

    PUBLIC = "PUBLIC", _("public")
    RESTRICTED = "RESTRICTED", _("restricted")
    NON_PUBLIC = "NON_PUBLIC", _("not public")


class FileType(models.TextChoices):
    """File formats (``file-type``) of distributions; the media type is IANA's."""

    CSV = "CSV", "CSV"
    PARQUET = "PARQUET", "Parquet"
    JSON = "JSON", "JSON"
    GEOJSON = "GEOJSON", "GeoJSON"
    XLSX = "XLSX", "XLSX"
    HTML = "HTML", "HTML"


MEDIA_TYPES = {
    FileType.CSV: "text/csv",
    FileType.PARQUET: "application/vnd.apache.parquet",
    FileType.JSON: "application/json",
    FileType.GEOJSON: "application/geo+json",
    FileType.XLSX: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    FileType.HTML: "text/html",
}
# Formats an open-data user can read with free software (MQA's "non-proprietary" and "machine-readable").
NON_PROPRIETARY = {FileType.CSV, FileType.PARQUET, FileType.JSON, FileType.GEOJSON, FileType.HTML}
MACHINE_READABLE = {FileType.CSV, FileType.PARQUET, FileType.JSON, FileType.GEOJSON, FileType.XLSX}


def uri(vocabulary: str, code: str) -> str:
    """The EU concept URI of a code: ``uri("data-theme", "ECON")``."""
    return f"{EU}{vocabulary}/{code}"
