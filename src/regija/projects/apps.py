"""App configuration for projects: funds, allocations, projects, budget lines and payments."""

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "regija.projects"
    label = "projects"
    verbose_name = _("Projects and funds")
