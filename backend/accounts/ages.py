"""A patient's age from her date of birth, as doctors state it: whole years, birthdays counted."""

import datetime


def age_in_years(born: datetime.date, on: datetime.date) -> int:
    """Completed years between `born` and `on` (0 before the first birthday).

    Someone born on 29 February turns a year older on 1 March in a common year.
    """
    had_birthday = (on.month, on.day) >= (born.month, born.day)
    return on.year - born.year - (0 if had_birthday else 1)
