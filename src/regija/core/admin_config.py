"""The admin app wired to Regija's own admin site.

Kept apart: INSTALLED_APPS imports it before models load.
"""

from django.contrib.admin.apps import AdminConfig


class RegijaAdminConfig(AdminConfig):
    default_site = "regija.core.admin_site.RegijaAdminSite"
