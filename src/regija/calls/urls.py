"""URL patterns (filled in by the views of this module)."""

urlpatterns: list = []
