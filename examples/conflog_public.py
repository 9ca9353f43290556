"""Public log records for Python jobs run behind `conflog run`.

`conflog run` names its public channel, a Unix socket, in $CONFLOG_CHANNEL
and proves it with the token in $CONFLOG_CHANNEL_TOKEN; $CONFLOG_PREFIX holds
the gate's prefix (internal/channel/SPEC.md is the contract). PublicHandler
writes the records marked public there, one line each with the gate's prefix
(over one passed to it), and ignores the rest, which your normal handlers
print as usual (and the gate keeps private).

    import logging, conflog_public
    log = logging.getLogger("train")
    log.addHandler(conflog_public.PublicHandler())
    log.info("epoch %d loss %.3f", 3, 0.251, extra={"public": True})  # public
    log.info("row %s", row_text)                                      # private

Outside `conflog run` (no $CONFLOG_CHANNEL), or when the channel cannot be
proven the gate's, public records go to stderr with the prefix, which is what
the platform's own filter expects. Standard library only. A minimal client:
the Python package `conflog` carries the full one.
"""

import logging
import os
import socket
import stat
import sys
import threading


def _usable(prefix):
    return bool(prefix) and "\n" not in prefix and "\r" not in prefix


_ESCAPES = {ord("\n"): "\\n", ord("\r"): "\\r", 0x1B: "\\x1b"}

# One connection per process (SPEC.md, client steps 4 and 5), under one lock.
_lock = threading.Lock()
_conn = None  # (pid, socket), or (pid, None) once the channel failed in pid


def _connect():
    """Connects after checking the socket is this run's gate; raises otherwise."""
    addr = os.environ.get("CONFLOG_CHANNEL", "")
    token = os.environ.get("CONFLOG_CHANNEL_TOKEN", "")
    path = addr[len("unix:"):]
    if not addr.startswith("unix:") or not os.path.isabs(path):
        raise OSError("CONFLOG_CHANNEL=%r: want unix: and an absolute path" % addr)
    if not stat.S_ISSOCK(os.lstat(path).st_mode):
        raise OSError("%r: not a socket" % path)
    d = os.lstat(os.path.dirname(path))
    if not stat.S_ISDIR(d.st_mode) or d.st_uid != os.geteuid() or d.st_mode & 0o077:
        raise OSError("%r: not a directory only this user may enter" % os.path.dirname(path))
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)  # not inherited across exec
    try:
        s.settimeout(2)
        s.connect(path)
        want = ("conflog-channel 1 %s\n" % token).encode()
        got = b""
        while len(got) < len(want):
            chunk = s.recv(len(want) - len(got))
            if not chunk:
                break
            got += chunk
        if got != want:
            raise OSError("%r: wrong greeting: not this run's gate" % path)
        s.settimeout(None)
    except BaseException:
        s.close()
        raise
    return s


def _send(data):
    """Sends one whole line on this process's connection; False: fall back."""
    global _conn
    with _lock:
        pid = os.getpid()
        if _conn is not None and _conn[0] != pid:
            if _conn[1] is not None:
                _conn[1].close()  # our copy of the parent's connection
            _conn = None
        if _conn is None:
            try:
                _conn = (pid, _connect())
            except OSError as e:
                _conn = (pid, None)
                _warn(e)
        if _conn[1] is None:
            return False
        try:
            _conn[1].sendall(data)
            return True
        except OSError as e:
            _conn[1].close()
            _conn = (pid, None)
            _warn(e)
            return False


_warned = False


def _warn(err):
    global _warned
    if not _warned:
        _warned = True
        msg = str(err).translate(_ESCAPES)
        sys.stderr.write("%sconflog: warning: %s; public records go to stderr\n" % (_prefix(None), msg))


def _prefix(own):
    gate = os.environ.get("CONFLOG_PREFIX")
    if os.environ.get("CONFLOG_CHANNEL") and _usable(gate):
        # Behind the gate, its prefix is the one that gets out: a record
        # with another would be held private, and nobody outside would
        # know why. conflog's Go handler does the same.
        return gate
    return own or gate


class PublicHandler(logging.Handler):
    """Writes records logged with extra={"public": True} as prefixed lines."""

    def __init__(self, prefix=None, level=logging.NOTSET):
        super().__init__(level)
        self.prefix = _prefix(prefix)
        if not _usable(self.prefix):
            raise ValueError("conflog_public: no usable prefix: pass one or set CONFLOG_PREFIX")
        self.channel = bool(os.environ.get("CONFLOG_CHANNEL"))
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))

    def emit(self, record):
        if not getattr(record, "public", False):
            return
        try:
            # One record, one line: a line end inside the message would
            # start a new line that the gate judges on its own.
            text = self.format(record).translate(_ESCAPES)
            data = (self.prefix + " " + text + "\n").encode("utf-8", "backslashreplace")
            if self.channel and _send(data):
                return
            fd = sys.stderr.fileno()
            while data:
                data = data[os.write(fd, data):]
        except Exception:
            self.handleError(record)


class PrivateOnly(logging.Filter):
    """Keeps public records out of another handler, to avoid printing them twice."""

    def filter(self, record):
        return not getattr(record, "public", False)
