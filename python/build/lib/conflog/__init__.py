"""Confidential logging for Python, on the standard logging module.

Every logging call says whether its data may leave the compliant boundary;
private is the default::

    import logging, conflog
    conflog.enable(prefix="SystemLog:")
    log = logging.getLogger(__name__)
    log.warning("epoch %d done", 3, category=conflog.DataCategory.ONLY_PUBLIC_DATA)  # SystemLog: WARNING ...
    log.warning("row %s", row)                                                      # private: no prefix

``category=`` works on every logger once conflog is imported, including
loggers made before, libraries' loggers and LoggerAdapter. Public records
are written once, as one line each, with the prefix, to the public channel
of ``conflog run`` or else to stderr; their exceptions and stacks are
scrubbed (types and frames kept, messages, notes and source lines dropped,
unless PublicError or allow-listed). Private records go to your handlers,
each message one line and never starting with the prefix.

Run the job under the gate, which lets only public lines out::

    conflog run --strict --prefix SystemLog: -- python train.py

The reference is docs/python.md in the repository.
"""

from ._category import DataCategory, is_public
from ._errors import PublicError
from ._hooks import metric, prefix_stack_trace
from ._logging import PublicHandler, enable, getLogger, install as _install
from ._progress import progress
from ._values import Mask, Pseudonym, Shape, load_key, log_args, set_key

PUBLIC = DataCategory.ONLY_PUBLIC_DATA
PRIVATE = DataCategory.CONTAINS_PRIVATE_DATA

__version__ = "0.1.0"
__all__ = [
    "DataCategory", "PUBLIC", "PRIVATE", "PublicError", "PublicHandler", "enable", "getLogger",
    "is_public", "metric", "prefix_stack_trace", "progress", "Mask", "Pseudonym", "Shape",
    "load_key", "log_args", "set_key",
]

_install()
