"""The permission matrix's world of issue reports (``world.build`` calls ``add``).

A stands in for the municipality: it owns the category SVC (a street light, one required question)
and takes the reports; B is the organisation (the utility) report R is assigned to.

People (``FIXES_ROLES``, the columns of ``matrix_fixes.csv``): anonymous; anonymous_reporter (not signed
in, holding the links the e-mails of R_ANON and R_ANON_DONE gave them); resident (confirmed, the reporter
of R and R_DONE); other_resident (confirmed, reported nothing); staff (A's editor, the main world's
``editor``); assignee (B's editor, the main world's ``holder``); moderator (confirmed, may hide any
organisation's reports; participation's moderator too); superuser.
"""

from __future__ import annotations

import io

from django.contrib.auth.models import AnonymousUser, Permission
from PIL import Image

from regija.fixes import services
from regija.fixes.models import Service, Status
from tests.factories import confirmed_user

FIXES_ROLES = (
    "anonymous",
    "anonymous_reporter",
    "resident",
    "other_resident",
    "staff",
    "assignee",
    "moderator",
    "superuser",
)
POINT = (46.0511, 14.5051)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (16, 12), (200, 200, 0)).save(out, "JPEG")
    return out.getvalue()


def add(w: dict) -> None:
    users = w["users"]
    A, B = w["A"], w["B"]
    users["staff"], users["assignee"] = staff, assignee = users["editor"], users["holder"]
    users["other_resident"] = confirmed_user(username="m-fix-other")
    users["moderator"].user_permissions.add(Permission.objects.get(codename="moderate_report"))
    reporter = users["resident"]
    w["SVC"] = svc = Service.objects.create(
        organisation=A,
        code="matrika-svetilka",
        name="Matrika svetilka",
        attributes=[
            {
                "code": "kind",
                "description": "Kaj je narobe?",
                "datatype": "singlevaluelist",
                "required": True,
                "values": [{"key": "dark", "name": "Ne sveti"}],
            }
        ],
    )

    def data(text, **kw):
        return services.ReportData(
            service=svc,
            description=text,
            lat=POINT[0],
            lon=POINT[1],
            attributes={"kind": "dark"},
            **kw,
        )

    w["R"] = services.report_create(reporter, data("Matrika ne sveti", photos=[_jpeg()]))
    w["R_PHOTO"] = w["R"].photos.get()
    services.report_handle(staff, w["R"], services.Handling(status=Status.CONFIRMED, assignee=B))
    w["R_DONE"] = services.report_create(reporter, data("Matrika popravljeno"))
    services.report_handle(staff, w["R_DONE"], services.Handling(status=Status.FIXED, answer="Zamenjano."))
    w["R_HIDDEN"] = services.report_create(reporter, data("Matrika skrito"))
    services.report_hide(staff, w["R_HIDDEN"], "Matrika razlog")
    nobody = AnonymousUser()
    w["R_ANON"] = services.report_create(nobody, data("Matrika anonimno", email="matrika-anon@primer.si"))
    w["R_ANON_DONE"] = services.report_create(
        nobody, data("Matrika anonimno popravljeno", email="matrika-anon@primer.si")
    )
    services.report_confirm(services.confirm_token(w["R_ANON_DONE"]))
    services.report_handle(staff, w["R_ANON_DONE"], services.Handling(status=Status.FIXED))
    w["R_ANON_DONE"].refresh_from_db()
    assert assignee.pk != staff.pk
