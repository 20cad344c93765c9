"""Django's own messages that its Slovenian catalogue leaves in English, listed so ours translates them.

Django 5.2's Slovenian catalogue has no translation for the messages Django rewrote with typographic
quotes in 3.0 and for those added since: "The {name} “{obj}” was changed successfully." stays English
in the Slovenian back office while ``{name}`` – our model's verbose name – is Slovenian ("The projekt
… was changed successfully"). Django falls back to the English text when a catalogue lacks a message,
and the catalogues of LOCALE_PATHS (ours, ``regija/locale``) come before those of the apps, so our
catalogue can give these messages their Slovenian.

``makemessages`` only reads our own code, so the messages are listed here, each marked for
extraction and nothing else (``gettext_noop`` returns the text untouched; ``ngettext_lazy`` builds a
lazy object that is never evaluated): extracted into ``locale/sl/LC_MESSAGES/django.po`` like any of
ours and translated there. The texts must match Django's exactly – typographic quotes, apostrophes and
placeholders included – and this list must follow a Django upgrade: ``tests/core/test_django_messages.py``
checks that each one is still one of Django's messages and that the Slovenian page gets it in Slovenian.

Nothing imports this module at run time: Django's code and templates ask for the messages themselves.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

# django.contrib.admin – messages after saving and deleting, the history, lists, filters, the index
ADMIN = [
    gettext_noop("The {name} “{obj}” was added successfully."),
    gettext_noop("You may edit it again below."),
    gettext_noop("The {name} “{obj}” was added successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may edit it again below."),
    gettext_noop("The {name} “{obj}” was changed successfully. You may add another {name} below."),
    gettext_noop("The {name} “{obj}” was changed successfully."),
    gettext_noop("The %(name)s “%(obj)s” was deleted successfully."),
    gettext_noop("%(name)s with ID “%(key)s” doesn’t exist. Perhaps it was deleted?"),
    gettext_noop("Added “%(object)s”."),
    gettext_noop("Changed “%(object)s” — %(changes)s"),
    gettext_noop("Changed {fields} for {name} “{object}”."),
    gettext_noop("Added:"),
    gettext_noop("Changed:"),
    gettext_noop("Deleted:"),
    gettext_noop("This object doesn’t have a change history. It probably wasn’t added via this admin site."),
    gettext_noop("Hold down “Control”, or “Command” on a Mac, to select more than one."),
    gettext_noop("Select this object for an action - {}"),
    gettext_noop("Select all objects on this page for an action"),
    gettext_noop("Select %s to view"),
    gettext_noop("Hide counts"),
    gettext_noop("Show counts"),
    gettext_noop("Model name"),
    gettext_noop("Add link"),
    gettext_noop("Change or view list link"),
    gettext_noop("Popup closing…"),
    gettext_noop("Error:"),
    gettext_noop("Forgotten your login credentials?"),
    gettext_noop("In case you’ve forgotten, you are:"),
    gettext_noop(
        "Something’s wrong with your database installation. Make sure the appropriate database tables "
        "have been created, and make sure the database is readable by the appropriate user."
    ),
    # the user pages of the back office
    gettext_noop("After you’ve created a user, you’ll be able to edit more user options."),
    gettext_noop("Set password"),
    gettext_noop("This action will <strong>enable</strong> password-based authentication for this user."),
    gettext_noop("Disable password-based authentication"),
    gettext_noop("Enable password-based authentication"),
]
ADMIN_PLURAL = [
    ngettext_lazy("entry", "entries", 1),
]

# django.contrib.auth – the user forms of the back office, password rules
AUTH = [
    gettext_noop("Conflicting form data submitted. Please try again."),
    gettext_noop("Password-based authentication was disabled."),
    gettext_noop("Set password: %s"),
    gettext_noop("Reset password"),
    gettext_noop(
        "Whether the user will be able to authenticate using a password or not. If disabled, they may "
        "still be able to authenticate using other backends, such as Single Sign-On or LDAP."
    ),
    gettext_noop("Password-based authentication"),
    gettext_noop("Enabled"),
    gettext_noop("Disabled"),
    gettext_noop("Raw passwords are not stored, so there is no way to see the user’s password."),
    gettext_noop("Enable password-based authentication for this user by setting a password."),
]
AUTH_PLURAL = [
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        1,
    ),
]

# django.contrib.contenttypes – the "view on site" redirect
CONTENTTYPES = [
    gettext_noop("Content type %(ct_id)s object %(obj_id)s doesn’t exist"),
    gettext_noop("%(ct_name)s objects don’t have a get_absolute_url() method"),
]

# Django itself – form and model field checks, the CSRF failure page, date-based views
CORE = [
    gettext_noop("Enter a valid domain name."),
    gettext_noop("Enter a valid “slug” consisting of letters, numbers, underscores or hyphens."),
    gettext_noop("Enter a valid “slug” consisting of Unicode letters, numbers, underscores, or hyphens."),
    gettext_noop("Enter a valid %(protocol)s address."),
    gettext_noop("IPv4 or IPv6"),
    gettext_noop("Ensure this value is a multiple of step size %(limit_value)s."),
    gettext_noop(
        "Ensure this value is a multiple of step size %(limit_value)s, starting from %(offset)s, e.g. "
        "%(offset)s, %(valid_value1)s, %(valid_value2)s, and so on."
    ),
    gettext_noop(
        "File extension “%(extension)s” is not allowed. Allowed extensions are: %(allowed_extensions)s."
    ),
    gettext_noop("Constraint “%(name)s” is violated."),
    gettext_noop("“%(value)s” value must be either True, False, or None."),
    gettext_noop("String (unlimited)"),
    gettext_noop(
        "“%(value)s” value has an invalid format. It must be in YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ] format."
    ),
    gettext_noop(
        "“%(value)s” value has the correct format (YYYY-MM-DD HH:MM[:ss[.uuuuuu]][TZ]) but it is an "
        "invalid date/time."
    ),
    gettext_noop("“%(value)s” value must be a decimal number."),
    gettext_noop("“%(value)s” value has an invalid format. It must be in [DD] [[HH:]MM:]ss[.uuuuuu] format."),
    gettext_noop("“%(value)s” value has an invalid format. It must be in HH:MM[:ss[.uuuuuu]] format."),
    gettext_noop("“%(value)s” value has the correct format (HH:MM[:ss[.uuuuuu]]) but it is an invalid time."),
    gettext_noop("“%(value)s” is not a valid UUID."),
    gettext_noop("Universally unique identifier"),
    gettext_noop("%(model)s instance with %(field)s %(value)r is not a valid choice."),
    gettext_noop("The number of days must be between {min_days} and {max_days}."),
    gettext_noop(
        "ManagementForm data is missing or has been tampered with. Missing fields: %(field_names)s. You "
        "may need to file a bug report if the issue persists."
    ),
    gettext_noop("“%(pk)s” is not a valid value."),
    gettext_noop(
        "%(datetime)s couldn’t be interpreted in time zone %(current_timezone)s; it may be ambiguous or "
        "it may not exist."
    ),
    gettext_noop(
        "You are seeing this message because this HTTPS site requires a “Referer header” to be sent by "
        "your web browser, but none was sent. This header is required for security reasons, to ensure "
        "that your browser is not being hijacked by third parties."
    ),
    gettext_noop(
        "If you have configured your browser to disable “Referer” headers, please re-enable them, at "
        "least for this site, or for HTTPS connections, or for “same-origin” requests."
    ),
    gettext_noop(
        'If you are using the <meta name="referrer" content="no-referrer"> tag or including the '
        "“Referrer-Policy: no-referrer” header, please remove them. The CSRF protection requires the "
        "“Referer” header to do strict referer checking. If you’re concerned about privacy, use "
        'alternatives like <a rel="noreferrer" …> for links to third-party sites.'
    ),
    gettext_noop("Invalid date string “%(datestr)s” given format “%(format)s”"),
    gettext_noop("Empty list and “%(class_name)s.allow_empty” is False."),
]
CORE_PLURAL = [
    ngettext_lazy("Please submit at most %(num)d form.", "Please submit at most %(num)d forms.", 1),
    ngettext_lazy("Please submit at least %(num)d form.", "Please submit at least %(num)d forms.", 1),
]

MESSAGES = ADMIN + AUTH + CONTENTTYPES + CORE
PLURALS = ADMIN_PLURAL + AUTH_PLURAL + CORE_PLURAL
