"""Request hygiene shared by pages and API: refuse NUL characters before they reach the database."""

from django.http import HttpResponseBadRequest


class RefuseNulMiddleware:
    """PostgreSQL cannot store or compare text with NUL (\\x00); a URL carrying one is refused with 400
    and a plain message instead of failing deep inside a query."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        # The API answers these itself with a 422 that names the parameter.
        if request.path.startswith("/api/"):
            return self.get_response(request)
        if (
            "\x00" in request.path
            or "%00" in request.META.get("QUERY_STRING", "")
            or "\x00" in request.META.get("QUERY_STRING", "")
        ):
            return HttpResponseBadRequest(
                "The address contains a NUL character (%00), which is never valid here."
            )
        return self.get_response(request)
