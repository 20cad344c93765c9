"""Slovenian: the day and month as numbers with a space after each point, as Slovenian writing does
("1. 10. 2021"); the time of day on the 24-hour clock after "ob" ("1. 10. 2021 ob 14:30")."""

# https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date
DATE_FORMAT = "j. n. Y"
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = r"j. n. Y \o\b H:i"
SHORT_DATETIME_FORMAT = "j. n. Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j. n."
