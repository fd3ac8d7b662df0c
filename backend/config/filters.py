"""Query-string filters whose values the database can always compare.

An ISO date-time may carry any offset up to ±23:59, but PostgreSQL refuses offsets past ±15:59
(DataError, a 500). Comparing in UTC avoids that; a date-time with no UTC equivalent (before the
year 1) is a 400 like any other malformed value.
"""

from datetime import UTC

import django_filters
from django import forms
from django_filters.fields import IsoDateTimeField


class UtcIsoDateTimeField(IsoDateTimeField):
    def to_python(self, value):
        parsed = super().to_python(value)
        if parsed is None or parsed.tzinfo is None:
            return parsed
        try:
            return parsed.astimezone(UTC)
        except OverflowError:
            raise forms.ValidationError("Enter a date and time from the year 1 on.", code="invalid") from None


class UtcIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = UtcIsoDateTimeField
