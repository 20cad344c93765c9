"""The REST API under /api/v1/: one NinjaAPI object mounting each app's router."""

from ninja import NinjaAPI

api = NinjaAPI(title="Regija API", version="1", urls_namespace="api", docs_url="/docs")
