"""Template context of the calls' menu entries."""

from __future__ import annotations

from functools import cache

from .models import CommitteeSeat


def evaluation(request):
    """``is_evaluator``: whether the menu shows "Evaluation" – only to people who sit on a call's
    evaluation committee (a resident or an applicant has nothing to evaluate). A callable: the one query
    runs only when a page's template asks, and at most once per request."""

    @cache
    def is_evaluator() -> bool:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return False
        return CommitteeSeat.objects.filter(user=user).exists()

    return {"is_evaluator": is_evaluator}
