"""Template context every page needs: whether the visitor may see staff links."""

from . import permissions


def staff(request):
    return {"is_staff": permissions.is_staff(getattr(request, "user", None))}
