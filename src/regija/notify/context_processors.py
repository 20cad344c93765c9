"""Every page's alert banners (active alerts, cached for a minute and dropped when one is issued or
cancelled) and the signed-in person's unread count, read only when a template shows it."""

from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from . import selectors


def notices(request):
    user = getattr(request, "user", None)
    return {
        "active_alerts": SimpleLazyObject(lambda: selectors.active_alerts(get_language() or "sl")),
        "unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user)),
    }
