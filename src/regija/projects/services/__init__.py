"""Writes to projects and their parts, one module per concern: ``projects`` (a project's own fields and
partners), ``budget`` (budget lines and payments staff record), ``payments`` (claims, checks and
payments of an operation, its completion and withdrawal). Every create, update and delete the API, the
staff pages and the back office make goes through a function here. Each takes the acting user (and the
door, ``via``), checks the right, validates, writes in one transaction attributed in the audit log, and
refuses with ``core.services.Refused`` / ``Forbidden`` / ``Conflict``."""
