"""Writes to projects and their parts, one module per kind of thing: every create, update and delete the
API, the staff pages and the back office make goes through a function here. Each takes the acting user
and the door (``via``), checks the right with ``core.permissions``, validates, writes in one transaction
attributed in the audit log, and refuses with ``core.services.Refused`` / ``Forbidden`` / ``Conflict``."""
