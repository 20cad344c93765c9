"""The workflow of a public call: every state change goes through a function here.

Each function checks who is acting and whether the step is allowed now, does the change in one
transaction with the rows it depends on locked, and raises ``Refused`` with a message for the user
when it is not allowed. Views, the API and tests call these functions; nothing else writes a status.
The audit log records every write (``core.audit``, at the model layer).

Time is the server's: ``timezone.now()`` when the request is handled, compared with the call's
opening and closing time (stored in UTC, shown in Europe/Ljubljana). The closing second itself still
counts; one second later a submission is refused.

The functions live in modules by concern, and this package offers them under one name
(``from regija.calls import services; services.publish(...)``), which is how callers outside the
package reach them:

- ``access``: who may manage a call, see its staff pages, edit an application; the chair; one's seat;
- ``lifecycle``: publish, unpublish, finish the evaluation, mark decided, archive;
- ``applications``: start, save a draft, attach and remove files, submit, withdraw; what a submission
  still misses;
- ``evaluation``: eligibility, assignments, declarations, scores (written by their evaluator only),
  the chair's return for correction, finalisation, what the evaluation lacks;
- ``decisions``: approve (creating the operation) and reject;
- ``registration``: an applicant organisation registers itself, confirms its e-mail address, and the
  call's staff approve or reject the registration;
- ``common``: ``Refused``, ``Forbidden``, ``require`` and ``now`` (from ``core.services``), ``local``.

The ranking is a read (``calls.selectors.ranking``). Payment claims, completion and withdrawal of an
operation belong to the project: ``projects.services.payments``.
"""

from .access import (
    application_access,
    is_chair,
    may_change_draft,
    may_edit_application,
    may_manage_call,
    may_see_call_staff,
    may_withdraw,
    seat_of,
)
from .applications import (
    DraftData,
    attachment_add,
    attachment_delete,
    missing_for_submission,
    not_open_message,
    save_draft,
    start_application,
    submit,
    withdraw_application,
)
from .common import Forbidden, Refused, local, now, require
from .decisions import Instrument, approve, reject
from .evaluation import (
    assign_committee,
    correct_scores,
    declare,
    evaluation_gaps,
    finalise,
    open_return,
    record_eligibility,
    return_scores,
    save_scores,
    submit_scores,
)
from .lifecycle import archive, finish_evaluation, mark_decided, publish, unpublish
from .registration import (
    Confirmed,
    Decided,
    Link,
    Registered,
    RegistrationData,
    approve_registration,
    clean_expired_registrations,
    confirm_email,
    notify_staff,
    read_link,
    register_applicant,
    reject_registration,
    resend_registration_mail,
    send_registration_mail,
    takes_registrations,
)

__all__ = [
    "application_access",
    "Confirmed",
    "Decided",
    "Link",
    "Registered",
    "RegistrationData",
    "approve_registration",
    "clean_expired_registrations",
    "confirm_email",
    "notify_staff",
    "read_link",
    "register_applicant",
    "reject_registration",
    "resend_registration_mail",
    "send_registration_mail",
    "takes_registrations",
    "attachment_add",
    "attachment_delete",
    "DraftData",
    "Forbidden",
    "Instrument",
    "Refused",
    "approve",
    "archive",
    "assign_committee",
    "correct_scores",
    "declare",
    "evaluation_gaps",
    "finalise",
    "finish_evaluation",
    "is_chair",
    "local",
    "mark_decided",
    "may_edit_application",
    "may_manage_call",
    "may_change_draft",
    "may_see_call_staff",
    "may_withdraw",
    "missing_for_submission",
    "not_open_message",
    "now",
    "open_return",
    "publish",
    "record_eligibility",
    "reject",
    "require",
    "return_scores",
    "save_draft",
    "save_scores",
    "seat_of",
    "start_application",
    "submit",
    "submit_scores",
    "unpublish",
    "withdraw_application",
]
