"""What every API router shares: errors, authentication, pagination, conditional GET, field types.

The routers live in the apps (``strategies/api.py``, ``projects/api.py`` …), their schemas in each app's
``schemas.py``; ``regija.portal.api`` mounts them under /api/v1/. docs/api.md describes the API for its users.
"""
