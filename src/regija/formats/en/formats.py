"""English: day, month name and year ("1 October 2021"), never the American "Oct. 1, 2021"; the time
of day on the 24-hour clock after "at" ("1 October 2021 at 14:30"), as in Slovenian."""

# https://docs.djangoproject.com/en/stable/ref/templates/builtins/#date
DATE_FORMAT = "j F Y"
SHORT_DATE_FORMAT = DATE_FORMAT
DATETIME_FORMAT = r"j F Y \a\t H:i"
SHORT_DATETIME_FORMAT = "j F Y H:i"
TIME_FORMAT = "H:i"
YEAR_MONTH_FORMAT = "F Y"
MONTH_DAY_FORMAT = "j F"
