"""Notifications and alerts: what a person follows and how they hear of it (in-app, e-mail, web push),
organisations' webhooks, notices to applicants, and alerts for an area (docs/notifications.md)."""
