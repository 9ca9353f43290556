"""A drop-in for shrike.compliant_logging: change only the import.

    # from shrike.compliant_logging import enable_compliant_logging, DataCategory
    # from shrike.compliant_logging.exceptions import prefix_stack_trace, PublicValueError
    from conflog.shrike import enable_compliant_logging, DataCategory, prefix_stack_trace, PublicValueError

The names and arguments are shrike's; the behaviour is conflog's: a private
message cannot forge a public line, exception notes and messages are
scrubbed, loggers made before set-up log public records at INFO, category=
works on every logger, and a multi-line public message keeps every line
(escaped, on one line). docs/python.md maps each name.
"""

import logging
import os
import sys

from . import _hooks, _logging
from ._category import DataCategory
from ._errors import PublicError

__all__ = [
    "DataCategory", "enable_compliant_logging", "prefix_stack_trace", "is_eyesoff",
    "PublicError", "PublicRuntimeError", "PublicValueError", "PublicArgumentError",
    "PublicKeyError", "PublicTypeError", "PublicIndexError", "PublicNotImplementedError",
    "PublicIOError", "PublicAttributeError", "PublicImportError",
]


def enable_compliant_logging(prefix="SystemLog:", use_aml_metrics=False, **kwargs):
    """shrike's set-up: conflog.enable(prefix). kwargs are logging.basicConfig's
    (level, format, handlers...): they configure the private handlers, as in
    shrike. use_aml_metrics is accepted and ignored (use conflog.metric)."""
    level = kwargs.pop("level", logging.INFO)
    if kwargs:
        logging.basicConfig(level=level, **kwargs)
    return _logging.enable(prefix, level=level)


def is_eyesoff():
    """shrike's test for a compliant ("eyes-off") environment: true under
    conflog run (CONFLOG_CHANNEL is set) or where shrike's AML variables say so."""
    return bool(os.environ.get("CONFLOG_CHANNEL")) or os.environ.get("AZUREML_COMPLIANT", "").lower() == "true"


def prefix_stack_trace(file=sys.stderr, disable=False, prefix="SystemLog:", scrub_message=None,
                       keep_message=False, allow_list=(), add_timestamp=False):
    """shrike's decorator and context manager. The trace goes out scrubbed
    through conflog (enabled with prefix if it is not yet); keep_message=True
    keeps every message, as in shrike (avoid it); allow_list keeps the
    message of a type whose printed name contains one of its strings (shrike
    also matched the message itself, which let data choose: not here).
    file, scrub_message and add_timestamp are accepted for compatibility."""
    if disable:
        return _Null()
    if _logging.enabled_handler() is None:
        _logging.enable(prefix, level=None)
    # One string is one name, not its characters, each of which is in
    # almost every type's name.
    allow = (allow_list,) if isinstance(allow_list, str) else tuple(allow_list)
    if keep_message:
        return _hooks.prefix_stack_trace(match=lambda name: True)
    return _hooks.prefix_stack_trace(match=(lambda name: any(a in name for a in allow)) if allow else None)


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, f):
        return f


class PublicRuntimeError(PublicError, RuntimeError):
    pass


class PublicValueError(PublicError, ValueError):
    pass


class PublicArgumentError(PublicError, ValueError):
    pass


class PublicKeyError(PublicError, KeyError):
    pass


class PublicTypeError(PublicError, TypeError):
    pass


class PublicIndexError(PublicError, IndexError):
    pass


class PublicNotImplementedError(PublicError, NotImplementedError):
    pass


class PublicIOError(PublicError, IOError):
    pass


class PublicAttributeError(PublicError, AttributeError):
    pass


class PublicImportError(PublicError, ImportError):
    pass
