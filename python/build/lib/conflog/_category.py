"""DataCategory: whether one logging call may leave the compliant boundary."""

import enum


class DataCategory(enum.IntEnum):
    """The category of one logging call, given as ``category=`` on the call.

    CONTAINS_PRIVATE_DATA (alias PRIVATE) is the default: a call without a
    category is private. ONLY_PUBLIC_DATA (alias PUBLIC) marks a call whose
    message and arguments hold no customer data, so its line gets the prefix.
    Only these members count: ``category="public"`` or ``category=True`` is
    private, so that data can never make a call public.
    """

    CONTAINS_PRIVATE_DATA = 0
    ONLY_PUBLIC_DATA = 1
    PRIVATE = 0
    PUBLIC = 1

    def __str__(self):
        return "public" if self is DataCategory.ONLY_PUBLIC_DATA else "private"


#: The record attribute that carries a call's category.
ATTR = "conflog_category"


def is_public(record) -> bool:
    """Reports whether a LogRecord was logged with category=ONLY_PUBLIC_DATA."""
    return record.__dict__.get(ATTR) is DataCategory.ONLY_PUBLIC_DATA
