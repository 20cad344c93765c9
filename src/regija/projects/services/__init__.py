"""The writes of projects: each function checks who acts, validates, writes in one transaction (audited
by ``core.audit``) and raises ``core.services.Refused`` with the user's message when the step is not
allowed. One module per concern, e.g. ``payments`` (claims, completion, withdrawal of an operation)."""
