"""App configuration for calls: public calls, applications, evaluation and decisions."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CallsConfig(AppConfig):
    name = "regija.calls"
    verbose_name = _("Public calls")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from django.db.models import Q

        from regija.accounts import personal_data as accounts_personal_data

        from . import personal_data

        # a person's registrations and applications are part of "download my data" (docs/accounts.md)
        accounts_personal_data.register("calls", personal_data.export, personal_data.erase)
        from django.utils import timezone

        from regija.core import registry
        from regija.core.models import Organisation
        from regija.core.registry import Reader

        from . import models as m

        def published(path: str) -> Q:
            """Public: a call that is no longer a draft, with its budget, documents, conditions, criteria and
            committee."""
            return ~Q(**{path: m.CallStatus.DRAFT})

        def closed(call: str):
            """Rows of calls that no longer take applications (closed by the clock, or further on)."""
            after = [m.CallStatus.EVALUATED, m.CallStatus.DECIDED, m.CallStatus.ARCHIVED]
            return lambda: (
                Q(**{f"{call}__status__in": after})
                | Q(**{f"{call}__status": m.CallStatus.PUBLISHED, f"{call}__closes_at__lt": timezone.now()})
            )

        def application_readers(p: str) -> list[Reader]:
            """docs/calls.md "Who sees an application": the applicant's members; the call's organisation once
            submitted; a committee member it is assigned to once the call has closed."""
            return [
                Reader(f"{p}applicant"),
                Reader(f"{p}call__organisation", when=~Q(**{f"{p}status": m.ApplicationStatus.DRAFT})),
                Reader(f"{p}assignments__seat__user", when=closed(f"{p}call")),
            ]

        def chair(p: str) -> Reader:
            """The chair of the application's call."""
            seats = f"{p}application__call__seats"
            return Reader(f"{seats}__user", when=Q(**{f"{seats}__role": m.SeatRole.CHAIR}))

        def sheet_readers(p: str) -> list[Reader]:
            """A score sheet (its scores, its declaration): its own evaluator, the chair and the staff of the
            call's organisation – never the applicant, nor another committee member."""
            return [Reader(f"{p}application__call__organisation"), Reader(f"{p}seat__user"), chair(p)]

        # A call and all that hangs on it belongs to the organisation that issued it.
        registry.register(m.Call, owners=["organisation"], audit=True, public=published("status"))
        for model in (m.CallFund, m.CallDocument, m.EligibilityCondition, m.Criterion):
            registry.register(model, owners=["call__organisation"], public=published("call__status"))
        registry.register(
            m.CommitteeSeat,
            owners=["call__organisation"],
            audit=True,
            audit_parent="call",
            public=published("call__status"),
        )
        registry.register(
            m.Application, owners=["call__organisation"], audit=True, readers=application_readers("")
        )
        # Parts of an application: its history shows checks, assignments and every score.
        for model in (m.ApplicationFund, m.Attachment):
            registry.register(
                model,
                owners=["application__call__organisation"],
                audit=True,
                audit_parent="application",
                readers=application_readers("application__"),
            )
        registry.register(
            m.EligibilityCheck,
            owners=["application__call__organisation"],
            audit=True,
            audit_parent="application",
            readers=["application__call__organisation", chair("")],
        )
        registry.register(
            m.Assignment,
            owners=["application__call__organisation"],
            audit=True,
            audit_parent="application",
            readers=sheet_readers(""),
        )
        for model in (m.ApplicationPartner, m.ApplicationPhase):
            registry.register(
                model,
                owners=["application__call__organisation"],
                readers=application_readers("application__"),
            )
        registry.register(
            m.ScoreSheet,
            owners=["assignment__application__call__organisation"],
            audit=True,
            audit_parent="assignment__application",
            readers=sheet_readers("assignment__"),
        )
        registry.register(
            m.SheetReturn,
            owners=["sheet__assignment__application__call__organisation"],
            audit=True,
            audit_parent="sheet__assignment__application",
        )
        registry.register(
            m.Score,
            owners=["sheet__assignment__application__call__organisation"],
            audit=True,
            audit_parent="sheet__assignment__application",
            readers=sheet_readers("sheet__assignment__"),
        )
        # A natural person that applied is read by the staff of the call once the application is submitted.
        registry.add_readers(
            Organisation,
            [
                Reader(
                    "applications__call__organisation",
                    when=~Q(applications__status=m.ApplicationStatus.DRAFT),
                )
            ],
        )
        # A self-registration (person, organisation, e-mail) is read by the staff of the call's organisation,
        # who approve it; it is personal data, never public, and no public page depends on it.
        registry.register(
            m.ApplicantRegistration, owners=["call__organisation"], audit=True, history="registration"
        )
        registry.register_public_app(self, private=["ApplicantRegistration"])

        # A call's opening and deadline in the calendar (event_sources.py).
        from regija.events import sources

        from .event_sources import call_events

        sources.register(m.Call, call_events)

        # An operation selected in a call belongs to the call's programme: its payments count against the
        # allocation of the call's organisation (projects.selectors, "whose allocation a payment counts
        # against").
        from regija.projects import selectors as project_selectors

        operations = (
            "SELECT a.project_id, c.organisation_id FROM calls_application a "
            "JOIN calls_call c ON c.id = a.call_id WHERE a.project_id IS NOT NULL"
        )
        project_selectors.register_programme_owners(operations)
