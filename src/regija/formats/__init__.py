"""Date and time formats of the two languages (settings.FORMAT_MODULE_PATH): one date format per
language – Slovenian "1. 10. 2021", English "1 October 2021" – for templates (``|date``, a date shown
bare), the back office and ``regija.core.dates``. What a module leaves out comes from Django's own
format module of the language."""
