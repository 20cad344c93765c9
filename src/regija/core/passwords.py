"""Password rules as settings.AUTH_PASSWORD_VALIDATORS names them: Django's, with one message fixed.

Django 5.2 rewrote the message of its minimum-length rule ("… at least %d characters.") and its
Slovenian catalogue has only the earlier wording ("… at least %(min_length)d characters."), so a
Slovenian page said it in English. ``MinimumLengthValidator`` says it in the earlier wording, which
Django translates."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.utils.translation import ngettext


class MinimumLengthValidator(password_validation.MinimumLengthValidator):
    def get_error_message(self) -> str:
        return ngettext(
            "This password is too short. It must contain at least %(min_length)d character.",
            "This password is too short. It must contain at least %(min_length)d characters.",
            self.min_length,
        ) % {"min_length": self.min_length}
