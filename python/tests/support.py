"""What the tests share: a gate's side of the public channel written from
internal/channel/SPEC.md, and a runner for Python snippets in a fresh
interpreter (conflog changes process-wide state, so most tests run a child)."""

import os
import shutil
import socket
import struct
import subprocess
import sys
import tempfile
import textwrap
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
PKG = os.path.dirname(HERE)  # python/, which holds the conflog package
REPO = os.path.dirname(PKG)
SECRET = "S3CR3T"  # planted in private values; no public line may hold it


def run_py(code, env=None, args=(), check=True, timeout=120):
    """Runs code in a fresh interpreter with conflog importable; returns the
    CompletedProcess (text mode)."""
    e = {k: v for k, v in os.environ.items() if not k.startswith("CONFLOG_")}
    e["PYTHONPATH"] = PKG
    e.update(env or {})
    # A file, not -c: multiprocessing's spawn imports __main__ from its path.
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "job.py")
        with open(script, "w") as f:
            f.write(textwrap.dedent(code))
        p = subprocess.run([sys.executable, script, *args], env=e, capture_output=True, cwd=d,
                           text=True, timeout=timeout, errors="backslashreplace")
    if check and p.returncode != 0:
        raise AssertionError("child failed (%d):\nstdout:\n%s\nstderr:\n%s" % (p.returncode, p.stdout, p.stderr))
    return p


class FakeGate:
    """The gate's side of the channel, steps 1 to 4 and 6 of the spec:
    a 0700 directory holding public.sock, a peer-credential check, the
    greeting, and per-connection framing into lines.

    greeting overrides what is sent (None sends nothing); lines collects
    (connection number, line) pairs in arrival order."""

    def __init__(self, prefix="SystemLog:", greeting=b"default", close_after_greeting=False):
        self.dir = tempfile.mkdtemp(prefix="conflog-test-gate-")
        os.chmod(self.dir, 0o700)
        self.path = os.path.join(self.dir, "public.sock")
        self.token = os.urandom(16).hex()
        self.prefix = prefix
        self.greeting = b"conflog-channel 1 " + self.token.encode() + b"\n" if greeting == b"default" else greeting
        self.close_after_greeting = close_after_greeting
        self.lines = []
        self.peers = []  # pid of each connection's peer
        self.lock = threading.Lock()
        self.srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.srv.bind(self.path)
        os.chmod(self.path, 0o600)
        self.srv.listen(64)
        self.threads = []
        self.closed = False
        t = threading.Thread(target=self._accept, daemon=True)
        t.start()

    @property
    def env(self):
        return {"CONFLOG_CHANNEL": "unix:" + self.path, "CONFLOG_CHANNEL_TOKEN": self.token, "CONFLOG_PREFIX": self.prefix}

    def _accept(self):
        n = 0
        while True:
            try:
                conn, _ = self.srv.accept()
            except OSError:
                return
            pid, uid, _ = struct.unpack("3i", conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, 12))
            if uid != os.geteuid():
                conn.close()
                continue
            n += 1
            with self.lock:
                self.peers.append(pid)
            t = threading.Thread(target=self._serve, args=(n, conn), daemon=True)
            t.start()
            self.threads.append(t)

    def _serve(self, n, conn):
        with conn:
            if self.greeting is not None:
                conn.sendall(self.greeting)
            if self.close_after_greeting:
                return
            buf = b""
            while True:
                try:
                    chunk = conn.recv(65536)
                except ConnectionResetError:  # a client that refused our greeting
                    chunk = b""
                if not chunk:
                    break
                buf += chunk
                *done, buf = buf.split(b"\n")
                with self.lock:
                    self.lines += [(n, l.decode("utf-8", "backslashreplace")) for l in done]
            if buf:
                with self.lock:
                    self.lines.append((n, buf.decode("utf-8", "backslashreplace") + "[no newline]"))

    def close(self):
        """Stops listening and waits until every connection reached end of data."""
        if self.closed:
            return
        self.closed = True
        self.srv.close()
        for t in list(self.threads):
            t.join(10)
        shutil.rmtree(self.dir, ignore_errors=True)

    def text(self):
        return [l for _, l in self.lines]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
