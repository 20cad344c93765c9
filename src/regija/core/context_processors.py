"""Template context every page needs: whether the visitor may see staff links, and the data version."""

from . import caching, permissions


def staff(request):
    return {"is_staff": permissions.is_staff(getattr(request, "user", None))}


def data_version(request):
    """``data_version`` for ``{% cache %}`` blocks to vary on; read only when a template uses it (the
    template calls it), and then once per request inside ``cache_response``."""
    return {"data_version": caching.current}
