"""Public log records for Python jobs run behind `conflog run`.

`conflog run` hands the job a pipe for public records and names it in
$CONFLOG_PUBLIC_FD; $CONFLOG_PREFIX holds the prefix. PublicHandler writes
the records marked public there, prefixed, one line each, and ignores the
rest, which your normal handlers print as usual (and the gate keeps private).

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

_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", 0x1B: "\\x1b"}


class PublicHandler(logging.Handler):
    """Writes records logged with extra={"public": True} as prefixed lines."""

    def __init__(self, prefix=None, level=logging.NOTSET):
        super().__init__(level)
        self.prefix = prefix or os.environ.get("CONFLOG_PREFIX")
        if not self.prefix or "\n" in self.prefix or "\r" in self.prefix:
            raise ValueError("conflog_public: no usable prefix: pass one or set CONFLOG_PREFIX")
        fd = os.environ.get("CONFLOG_PUBLIC_FD")
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
