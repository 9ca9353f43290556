"""The client of conflog run's public channel, version 1.

The contract is internal/channel/SPEC.md in the repository: a Unix socket
named by CONFLOG_CHANNEL, proven to be this run's gate by a greeting that
carries CONFLOG_CHANNEL_TOKEN. This module follows its client steps in order;
the comments name them.
"""

import os
import re
import socket
import stat
import sys
import threading
import time

from ._line import escape, valid_prefix

GREETING = b"conflog-channel 1 "
DEADLINE = 2.0  # seconds, for connecting and reading the greeting
FIRST_RETRY, MAX_RETRY = 1.0, 30.0  # step 7's backoff, in seconds
_TOKEN = re.compile(r"[0-9a-f]{32}")


class ChannelError(Exception):
    """Why there is no channel; its message is ours, never the job's data.
    final: no retry can mend it (step 7); otherwise a later record tries
    again after the backoff."""

    def __init__(self, message, final=True):
        super().__init__(message)
        self.final = final


def _locate(environ):
    """Step 1: the socket's path, the token and the gate's prefix, or None
    when the job is not under the gate. Raises ChannelError when the
    variables are set but unusable."""
    value = environ.get("CONFLOG_CHANNEL", "")
    if not value:
        return None
    if not value.startswith("unix:") or not os.path.isabs(value[5:]):
        raise ChannelError("CONFLOG_CHANNEL=%r: want unix: and an absolute path" % value)
    token = environ.get("CONFLOG_CHANNEL_TOKEN", "")
    if not _TOKEN.fullmatch(token):
        raise ChannelError("CONFLOG_CHANNEL_TOKEN: want 32 lowercase hex digits")
    prefix = environ.get("CONFLOG_PREFIX", "")
    if not valid_prefix(prefix):
        raise ChannelError("CONFLOG_PREFIX=%r: not a usable prefix" % prefix)
    return value[5:], token, prefix


def _check_path(path):
    """Step 2: without following links, a socket in a directory that only
    this effective uid can enter."""
    try:
        st = os.lstat(path)
    except OSError as e:
        raise ChannelError("%s: %s" % (path, e.strerror)) from None
    if not stat.S_ISSOCK(st.st_mode):
        raise ChannelError("%s: not a socket" % path)
    parent = os.path.dirname(path)
    try:
        dst = os.lstat(parent)
    except OSError as e:
        raise ChannelError("%s: %s" % (parent, e.strerror)) from None
    if not stat.S_ISDIR(dst.st_mode):
        raise ChannelError("%s: not a directory" % parent)
    if dst.st_uid != os.geteuid():
        raise ChannelError("%s: owned by uid %d, not %d" % (parent, dst.st_uid, os.geteuid()))
    if dst.st_mode & 0o077:
        raise ChannelError("%s: mode %04o lets others in" % (parent, stat.S_IMODE(dst.st_mode)))


def connect(path, token):
    """Step 3: connects (close-on-exec, as every Python socket is) and checks
    the greeting byte for byte within DEADLINE. Returns the socket."""
    want = GREETING + token.encode("ascii") + b"\n"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.settimeout(DEADLINE)
        sock.connect(path)
        got = b""
        # Read no further than the greeting's length: anything else the
        # gate sent (it sends nothing) would not be ours to consume.
        while len(got) < len(want) and not got.endswith(b"\n"):
            chunk = sock.recv(len(want) - len(got))
            if not chunk:
                break
            got += chunk
        if got != want:
            # Short of the greeting (a gate over its connection limit
            # closes without one) may pass; other bytes are not this run's
            # gate, and no retry makes them so.
            raise ChannelError("%s: no valid greeting (got %d bytes)" % (path, len(got)),
                               final=not want.startswith(got))
        sock.settimeout(None)  # step 4: a record is written whole, however long that takes
        return sock
    except socket.timeout:
        sock.close()
        raise ChannelError("%s: no greeting within %gs" % (path, DEADLINE), final=False) from None
    except OSError as e:
        sock.close()
        # Refused: the gate stopped listening, a retry finds its directory
        # gone. Removed since step 2 (ENOENT): the gate has ended.
        raise ChannelError("%s: %s" % (path, e.strerror or e), final=isinstance(e, FileNotFoundError)) from None
    except BaseException:
        sock.close()
        raise


class Sink:
    """Where the public lines of this process go: the channel when there is
    one, else the fallback writer. One per process, shared by every handler,
    so each record is written whole under one lock.

    writer is a callable returning the fallback text stream (looked up at each
    write, so that a replaced sys.stderr is honoured).
    """

    def __init__(self, environ=None, writer=None):
        self._environ = os.environ if environ is None else environ
        self._writer = writer or (lambda: sys.stderr)
        self._new_lock()
        self._reset()
        self._located = False
        self.gate_prefix = None  # the gate's prefix when its variables are sound
        self._where = None
        self._problem = None
        try:
            where = _locate(self._environ)
        except ChannelError as e:
            self._problem = str(e)
        else:
            if where is not None:
                self._where = where[:2]
                self.gate_prefix = where[2]
        if hasattr(os, "register_at_fork"):
            # Step 5: a forked child starts without a connection (and with a
            # fresh lock: another thread may have held ours at the fork).
            os.register_at_fork(after_in_child=self._after_fork)

    def _reset(self):
        self._sock = None
        self._pid = None
        self._failed = False  # for good: step 7's final failures
        self._retry_at = None  # a failure that may pass: no new try before this (time.monotonic)
        self._delay = FIRST_RETRY  # the backoff after the next failure
        self._warned = False  # the current outage's warning is said

    def _new_lock(self):
        # Reentrant, for a signal handler that logs a public record while
        # this thread is inside write() (see write); _busy tells it apart.
        self._lock = threading.RLock()
        self._busy = False
        self._pending = []

    def _after_fork(self):
        self._new_lock()
        if self._sock is not None:
            self._close()  # our copy only: the parent's connection stays open
        self._reset()

    @property
    def under_gate(self):
        """Whether CONFLOG_CHANNEL names a channel (usable or not)."""
        return self._where is not None or self._problem is not None

    def write(self, data: str, prefix: str):
        """Writes data, whole lines each starting with prefix and ending in
        \\n, to the channel, or to the fallback writer. Never raises.
        Returns True if the channel took it."""
        with self._lock:
            if self._busy:
                # Re-entered by this very thread: a signal handler (a SIGTERM
                # handler logging "preempted", say) ran inside our own write,
                # a blocking sendall or stderr write. A plain lock deadlocked
                # here, and writing now would cut the outer record in two:
                # the record is queued, and the outer call writes it next.
                self._pending.append((data, prefix))
                return self._where is not None and not self._failed and self._retry_at is None
            self._busy = True
            try:
                took = self._write(data, prefix)
                while self._pending:
                    self._write(*self._pending.pop(0))
                return took
            finally:
                self._busy = False

    def _write(self, data, prefix):
        sock = self._connection(prefix)
        if sock is not None:
            try:
                sock.sendall(data.encode("utf-8", "backslashreplace"))  # loops until every byte is written
                self._warned = False  # the outage, if any, is over: a next one is said again
                return True
            except OSError as e:
                # Step 6: the gate closed the connection. This record, whole
                # or cut, takes the fallback and is never sent again on the
                # channel; later ones take it until the backoff has passed.
                self._close()
                self._fail("the public channel failed (%s)" % (e.strerror or e), final=False)
        self._fallback(data, prefix)
        return False

    def _connection(self, prefix):
        if self._where is None:
            return None  # not under the gate: the common case outside it, decided once
        pid = os.getpid()
        if self._sock is not None and self._pid != pid:
            # A child forked without our hook (os.fork from C): it must not
            # write on its parent's stream. Step 5.
            self._close()
            self._reset()
        if self._sock is not None or self._failed:
            return self._sock
        if self._retry_at is not None and time.monotonic() < self._retry_at:
            return None  # step 7: still within the backoff
        try:
            _check_path(self._where[0])
            self._sock = connect(*self._where)
            self._pid = pid
            self._retry_at = None
        except ChannelError as e:
            self._fail(str(e), e.final)
        return self._sock

    def _fail(self, problem, final):
        """Step 7: a final failure ends the channel for this process;
        another one is retried at a record after the backoff, which doubles
        with each failure up to MAX_RETRY and never shrinks. The warning is
        said once per outage: _warned is cleared only by a record the channel
        took."""
        if final:
            self._failed = True
        else:
            self._retry_at = time.monotonic() + self._delay
            self._delay = min(2 * self._delay, MAX_RETRY)
        if not self._warned:
            self._problem = problem

    def _close(self):
        try:
            self._sock.close()
        except OSError:
            pass
        self._sock = None

    def _fallback(self, data, prefix):
        try:
            w = self._writer()
            if self._problem is not None and not self._warned:
                self._warned = True
                until = "" if self._failed or self._where is None else " until it can be reached again"
                data = "%sconflog: warning: %s; public records go to stderr%s\n%s" % (
                    prefix, escape(self._problem), until, data)
            w.write(data)
            w.flush()
        except Exception:
            pass  # logging never raises into the caller; there is nowhere left to say it

