"""What participatory budgeting tells people through notify (docs/notifications.md): the results of a
process, to everyone following the process or one of its local communities. Called by ``services``
inside their transactions; notify sends once they commit."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from regija.notify import services as notify

from .models import Process


def results_published(process: Process) -> int:
    return notify.announce(
        process,
        "budgeting_results",
        title=_("The results of the participatory budget “%(title)s” are published"),
        context={"title": process.title},
        url=process.get_absolute_url(),
        also=[area.organisation for area in process.areas.select_related("organisation")],
    )
