"""Public log records for Python jobs run behind `conflog run`.

`conflog run` hands the job a pipe for public records and names it in
$CONFLOG_PUBLIC_FD; $CONFLOG_PREFIX holds the gate's prefix. PublicHandler
writes the records marked public there, one line each with the gate's prefix
(over one passed to it), and ignores the rest, which your normal handlers
print as usual (and the gate keeps private).

    import logging, conflog_public
    log = logging.getLogger("train")
    log.addHandler(conflog_public.PublicHandler())
    log.info("epoch %d loss %.3f", 3, 0.251, extra={"public": True})  # public
    log.info("row %s", row_text)                                      # private

Outside `conflog run` (no $CONFLOG_PUBLIC_FD), public records go to stderr
with the prefix, which is what the platform's own filter expects. Standard
library only.
"""

import logging
import os
import sys


def _usable(prefix):
    return bool(prefix) and "\n" not in prefix and "\r" not in prefix


_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", 0x1B: "\\x1b"}


class PublicHandler(logging.Handler):
    """Writes records logged with extra={"public": True} as prefixed lines."""

    def __init__(self, prefix=None, level=logging.NOTSET):
        super().__init__(level)
        fd = os.environ.get("CONFLOG_PUBLIC_FD")
        gate = os.environ.get("CONFLOG_PREFIX")
        if fd and _usable(gate):
            # Behind the gate, its prefix is the one that gets out: a record
            # with another would be held private, and nobody outside would
            # know why. conflog's Go handler does the same.
            self.prefix = gate
        else:
            self.prefix = prefix or gate
        if not _usable(self.prefix):
            raise ValueError("conflog_public: no usable prefix: pass one or set CONFLOG_PREFIX")
        self.fd = int(fd) if fd else sys.stderr.fileno()
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record):
        if not getattr(record, "public", False):
            return
        try:
            # One record, one line: a line end inside the message would
            # start a new line that the gate judges on its own.
            text = self.format(record).translate(_ESCAPES)
            data = (self.prefix + " " + text + "\n").encode("utf-8", "backslashreplace")
            # One write per record (the handler's lock is held), so records
            # from several threads never interleave.
            while data:
                data = data[os.write(self.fd, data):]
        except Exception:
            self.handleError(record)


class PrivateOnly(logging.Filter):
    """Keeps public records out of another handler, to avoid printing them twice."""

    def filter(self, record):
        return not getattr(record, "public", False)
