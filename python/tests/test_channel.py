"""The client side of internal/channel/SPEC.md, step by step, against a
gate side written from the same spec (support.FakeGate)."""

import glob
import os
import re
import socket
import sys
import tempfile
import unittest

from .support import FakeGate, run_py

LOG_TWO = """
import logging, conflog
conflog.enable("Own:")
log = logging.getLogger("t")
log.info("one %d", 1, category=conflog.PUBLIC)
log.info("private one")
log.info("two", category=conflog.PUBLIC)
"""


# The gate (the job's parent) stops at the job's first public record, past the
# greeting deadline, then resumes; the job logs 60 more, 50 ms apart: 3 s in
# all whatever the load, past the first backoff (step 7). SIGSTOP arrives
# asynchronously: the job waits until /proc shows every thread of the gate
# stopped, or one could still greet.
STALLED = """
import glob, logging, os, signal, time, conflog
conflog.enable("SystemLog:")
log = logging.getLogger("job")
gate = os.getppid()
def stopped():
    tasks = glob.glob("/proc/%d/task/*/stat" % gate)
    return tasks and all(open(t).read().rsplit(")", 1)[1].startswith(" T") for t in tasks)
os.kill(gate, signal.SIGSTOP)
try:
    while not stopped():
        time.sleep(0.001)
    log.info("stalled %d", 0, category=conflog.PUBLIC)
finally:
    os.kill(gate, signal.SIGCONT)
for n in range(1, 61):
    time.sleep(0.05)
    log.info("stalled %d", n, category=conflog.PUBLIC)
"""


class ChannelTest(unittest.TestCase):
    @unittest.skipUnless(sys.platform.startswith("linux"), "the job reads /proc to know the gate stopped")
    def test_channel_tried_again_after_the_gate_stalled(self):
        # Step 7: the record the stall held falls back (held under
        # --strict), and so do the next ones for the backoff; then the
        # client connects anew and the later records get out, each once.
        # The client used to give up for good: held=62 passed=0.
        from .test_gate import run_job
        code, out, err = run_job(STALLED)
        self.assertEqual((code, out), (0, ""), err)
        lines = err.splitlines()
        summary = lines.pop()
        self.assertRegex(summary, r"^SystemLog: conflog run: exit=0 passed=%d .* held=[1-9]" % len(lines))
        self.assertEqual(len(set(lines)), len(lines), err)
        for l in lines:
            self.assertRegex(l, r"^SystemLog: INFO job: stalled \d+$")
        self.assertNotIn("SystemLog: INFO job: stalled 0", lines)
        self.assertIn("SystemLog: INFO job: stalled 60", lines)

    def test_signal_handler_logging_during_a_write_neither_deadlocks_nor_splits(self):
        # A SIGTERM handler that logs "preempted" publicly runs between two
        # bytecodes of this thread, here inside the write of another public
        # record (a blocking stderr write or sendall, in life): the sink's
        # lock is held by this very thread. It deadlocked; now the handler's
        # record is written whole right after the interrupted one.
        for env in ({}, None):
            with self.subTest(channel=env is None):
                g = FakeGate() if env is None else None
                try:
                    p = run_py("""
                        import io, logging, os, signal, sys, conflog
                        class Stream(io.StringIO):
                            fired = False
                            def write(self, s):
                                if not Stream.fired:
                                    Stream.fired = True
                                    os.kill(os.getpid(), signal.SIGUSR1)
                                    for _ in range(1000): pass  # the handler runs in here
                                return sys.stdout.write(s)
                        conflog.enable("SystemLog:", stream=Stream())
                        sig = lambda *a: logging.getLogger("sig").warning("preempted", category=conflog.PUBLIC)
                        signal.signal(signal.SIGUSR1, sig)
                        if os.environ.get("CONFLOG_CHANNEL"):
                            # over the channel: the signal arrives inside the sink's write itself
                            from conflog import _logging
                            sink = _logging._sink()
                            real = sink._connection
                            def connection(prefix, real=real):
                                if not Stream.fired:
                                    Stream.fired = True
                                    os.kill(os.getpid(), signal.SIGUSR1)
                                    for _ in range(1000): pass
                                return real(prefix)
                            sink._connection = connection
                        logging.getLogger("job").info("step %d", 1, category=conflog.PUBLIC)
                        logging.getLogger("job").info("step %d", 2, category=conflog.PUBLIC)
                        """, env=g.env if g else None)
                finally:
                    if g:
                        g.close()
                lines = g.text() if g else p.stdout.splitlines()
                self.assertEqual(lines, ["SystemLog: INFO job: step 1", "SystemLog: WARNING sig: preempted",
                                         "SystemLog: INFO job: step 2"])

    def test_public_records_go_to_the_channel_with_the_gates_prefix(self):
        with FakeGate(prefix="Gate:") as g:
            p = run_py(LOG_TWO, g.env)
        self.assertEqual(g.text(), [
            "Gate:conflog: warning: the handler's prefix 'Own:' is not the gate's (CONFLOG_PREFIX='Gate:'); public records carry the gate's",
            "Gate: INFO t: one 1", "Gate: INFO t: two"])
        self.assertEqual(p.stderr, "private one\n")  # private: the handler's own writer only

    def test_no_channel_variable_is_silent_fallback(self):
        p = run_py(LOG_TWO)
        self.assertEqual(p.stderr, "Own: INFO t: one 1\nprivate one\nOwn: INFO t: two\n")

    def assertFallback(self, env, why):
        """Public records reach stderr with the prefix, in order, after one
        warning that says why; the private one goes there unprefixed."""
        p = run_py(LOG_TWO.replace("Own:", "SystemLog:"), env)
        lines = p.stderr.splitlines()
        self.assertEqual(len(lines), 4, p.stderr)
        self.assertTrue(lines[0].startswith("SystemLog:conflog: warning: "), lines)
        self.assertIn(why, lines[0])
        self.assertEqual(lines[1:], ["SystemLog: INFO t: one 1", "private one", "SystemLog: INFO t: two"])

    def test_bad_variables_fall_back_with_one_warning(self):
        with FakeGate() as g:
            cases = [
                ({"CONFLOG_CHANNEL": "tcp:127.0.0.1:1"}, "want unix:"),
                ({"CONFLOG_CHANNEL": "unix:relative.sock"}, "want unix:"),
                ({"CONFLOG_CHANNEL_TOKEN": g.token.upper()}, "32 lowercase hex"),
                ({"CONFLOG_CHANNEL_TOKEN": g.token[:-1]}, "32 lowercase hex"),
                ({"CONFLOG_CHANNEL": "unix:" + g.path + ".missing"}, "No such file"),
                ({"CONFLOG_PREFIX": "Gate:\nforged"}, "not a usable prefix"),
            ]
            for override, why in cases:
                with self.subTest(override=override):
                    env = dict(g.env, **override)
                    self.assertFallback(env, why)
            self.assertEqual(g.lines, [])

    def test_not_a_socket_or_a_link_is_refused(self):
        with FakeGate() as g:
            d = tempfile.mkdtemp()
            os.chmod(d, 0o700)
            plain = os.path.join(d, "public.sock")
            open(plain, "w").close()
            link = os.path.join(d, "link.sock")
            os.symlink(g.path, link)
            self.assertFallback(dict(g.env, CONFLOG_CHANNEL="unix:" + plain), "not a socket")
            self.assertFallback(dict(g.env, CONFLOG_CHANNEL="unix:" + link), "not a socket")
            self.assertEqual(g.lines, [])

    def test_parent_directory_must_be_ours_and_closed(self):
        with FakeGate() as g:
            os.chmod(g.dir, 0o750)
            self.assertFallback(g.env, "lets others in")
            os.chmod(g.dir, 0o700)
            os.chown(g.dir, os.geteuid() + 1, -1)
            try:
                self.assertFallback(g.env, "owned by uid")
            finally:
                os.chown(g.dir, os.geteuid(), -1)
            self.assertEqual(g.lines, [])

    def test_greeting_must_match_byte_for_byte(self):
        for greeting, why in [(b"conflog-channel 1 " + b"0" * 32 + b"\n", "no valid greeting"),
                              (b"conflog-channel 2 TOKEN\n", "no valid greeting"),
                              (b"", "no valid greeting")]:
            with self.subTest(greeting=greeting):
                with FakeGate(greeting=greeting.replace(b"TOKEN", b"x"), close_after_greeting=not greeting) as g:
                    self.assertFallback(g.env, why)
                self.assertEqual(g.lines, [])
        with FakeGate() as g:  # a greeting with the token, then more: still the right one
            g.greeting = g.greeting[:-1] + b"x\n"
            self.assertFallback(g.env, "no valid greeting")

    def test_a_silent_socket_times_out(self):
        with FakeGate(greeting=None) as g:
            self.assertFallback(g.env, "no greeting within 2s")

    def test_gate_gone_mid_run_takes_the_fallback_and_loses_nothing(self):
        with FakeGate(close_after_greeting=True) as g:
            # The job's clock stands still: no retry (step 7) within the
            # run, however slow. This fake closes each connection unread,
            # which a real gate never does, and a retry's first record could
            # land unread in the socket's buffer.
            p = run_py("""
                import logging, conflog, time, types
                from conflog import _channel
                _channel.time = types.SimpleNamespace(monotonic=lambda: 0.0)
                conflog.enable("SystemLog:")
                log = logging.getLogger("t")
                for i in range(50):
                    log.info("n=%d", i, category=conflog.PUBLIC)
                    time.sleep(0.001)
            """, g.env)
        # Every record reached either the channel (none here: the gate
        # closed each connection) or stderr, in order, after one warning.
        lines = p.stderr.splitlines()
        self.assertTrue(lines[0].startswith("SystemLog:conflog: warning: "), lines[0])
        got = [l for l in lines if not l.startswith("SystemLog:conflog:")]
        self.assertEqual(len([l for l in lines if "conflog: warning" in l]), 1, lines)
        self.assertLessEqual(len(got), 50)
        self.assertEqual(got[-1], "SystemLog: INFO t: n=49")
        self.assertEqual(sorted(int(l.rsplit("=", 1)[1]) for l in got), list(range(50 - len(got), 50)))
        # The first records may have gone into the socket's buffer before the
        # gate's close was seen: those the kernel accepted and the gate never
        # read are the spec's "gate gone" case, not a client loss.

    def test_greeting_withheld_is_retried_after_a_doubling_backoff(self):
        # Step 7, on a clock of the job's own: the gate over its connection
        # limit closes the first two connections without a greeting. The
        # client falls back, with one warning for the outage, tries again
        # only once 1 s, then 2 s, have passed, and then the channel takes
        # the records again.
        class FullGate(FakeGate):
            def _serve(self, n, conn):
                if n <= 2:
                    conn.close()
                else:
                    super()._serve(n, conn)

        with FullGate() as g:
            p = run_py("""
                import logging, types, conflog
                from conflog import _channel
                clock = [1000.0]
                _channel.time = types.SimpleNamespace(monotonic=lambda: clock[0])
                conflog.enable("SystemLog:")
                log = logging.getLogger("t")
                for name, at in [("one", 1000), ("two", 1000.9), ("three", 1001), ("four", 1002.9), ("five", 1003)]:
                    clock[0] = at
                    log.info(name, category=conflog.PUBLIC)
            """, g.env)
        self.assertEqual(g.text(), ["SystemLog: INFO t: five"])
        self.assertEqual(len(g.peers), 3)  # one, three, five: no try within the backoff
        lines = p.stderr.splitlines()
        self.assertRegex(lines[0], r"^SystemLog:conflog: warning: .*no valid greeting \(got 0 bytes\).* until it can be reached again$")
        self.assertEqual(lines[1:], ["SystemLog: INFO t: %s" % n for n in ("one", "two", "three", "four")])

    def test_a_forked_child_does_not_inherit_the_backoff(self):
        # Step 5 with step 7: the parent is in its backoff (the gate withheld
        # its greeting); a child forked then starts afresh and connects at
        # its first record, while the parent still falls back.
        class FullOnce(FakeGate):
            def _serve(self, n, conn):
                if n == 1:
                    conn.close()
                else:
                    super()._serve(n, conn)

        with FullOnce() as g:
            p = run_py("""
                import logging, os, types, conflog
                from conflog import _channel
                _channel.time = types.SimpleNamespace(monotonic=lambda: 0.0)
                conflog.enable("SystemLog:")
                log = logging.getLogger("t")
                log.info("parent before", category=conflog.PUBLIC)
                pid = os.fork()
                if pid == 0:
                    log.info("child", category=conflog.PUBLIC)
                    os._exit(0)
                os.waitpid(pid, 0)
                log.info("parent after", category=conflog.PUBLIC)
            """, g.env)
        self.assertEqual(g.text(), ["SystemLog: INFO t: child"])
        lines = p.stderr.splitlines()
        self.assertTrue(lines[0].startswith("SystemLog:conflog: warning: "), lines)
        self.assertEqual(lines[1:], ["SystemLog: INFO t: parent before", "SystemLog: INFO t: parent after"])

    def test_records_are_whole_across_threads_and_sizes(self):
        with FakeGate() as g:
            run_py("""
                import logging, threading, conflog
                conflog.enable("SystemLog:")
                log = logging.getLogger("t")
                def work(t):
                    for i in range(200):
                        log.info("t=%d i=%d %s", t, i, "x" * (i * 100), category=conflog.PUBLIC)
                ts = [threading.Thread(target=work, args=(t,)) for t in range(4)]
                [t.start() for t in ts]; [t.join() for t in ts]
            """, g.env)
        lines = g.text()
        self.assertEqual(len(lines), 800)
        for l in lines:
            head, xs = l.rsplit(" ", 1)
            i = int(head.rsplit("i=", 1)[1])
            self.assertTrue(l.startswith("SystemLog: INFO t: t="), l[:80])
            self.assertEqual(xs, "x" * (i * 100) if i else xs)
        self.assertEqual(len(set(n for n, _ in g.lines)), 1)  # one process, one connection

    def test_forked_children_connect_anew(self):
        with FakeGate() as g:
            run_py("""
                import logging, os, conflog
                conflog.enable("SystemLog:")
                log = logging.getLogger("t")
                log.info("parent before", category=conflog.PUBLIC)
                kids = []
                for k in range(3):
                    pid = os.fork()
                    if pid == 0:
                        for i in range(20):
                            log.info("child %d %d", k, i, category=conflog.PUBLIC)
                        os._exit(0)
                    kids.append(pid)
                for pid in kids:
                    os.waitpid(pid, 0)
                log.info("parent after", category=conflog.PUBLIC)
            """, g.env)
        by_conn = {}
        for n, l in g.lines:
            by_conn.setdefault(n, []).append(l)
        self.assertEqual(len(by_conn), 4, by_conn.keys())  # the parent's and one per child
        parent = [ls for ls in by_conn.values() if ls[0].endswith("parent before")][0]
        self.assertEqual(parent, ["SystemLog: INFO t: parent before", "SystemLog: INFO t: parent after"])
        for ls in by_conn.values():
            if ls is not parent:
                k = ls[0].split()[4]
                self.assertEqual(ls, ["SystemLog: INFO t: child %s %d" % (k, i) for i in range(20)])
        self.assertEqual(len(set(g.peers)), 4)

    def test_subprocess_and_spawn_children_reach_the_channel(self):
        with FakeGate() as g:
            run_py("""
                import logging, multiprocessing, subprocess, sys, conflog
                def child(k):
                    import logging, conflog
                    conflog.enable("SystemLog:")
                    logging.getLogger("spawn").info("spawned %d", k, category=conflog.PUBLIC)
                if __name__ == "__main__":
                    subprocess.run([sys.executable, "-c", "import logging, conflog; conflog.enable('SystemLog:'); "
                                    "logging.getLogger('sub').info('from subprocess', category=conflog.PUBLIC)"], check=True)
                    ctx = multiprocessing.get_context("spawn")
                    ps = [ctx.Process(target=child, args=(k,)) for k in range(2)]
                    [p.start() for p in ps]; [p.join() for p in ps]
                    assert all(p.exitcode == 0 for p in ps)
            """, g.env)
        self.assertEqual(sorted(g.text()), ["SystemLog: INFO spawn: spawned 0", "SystemLog: INFO spawn: spawned 1",
                                            "SystemLog: INFO sub: from subprocess"])

    def test_peer_with_another_uid_is_refused_by_the_gate(self):
        # The gate's step 2 in our fake, so that the fake is the spec's: a
        # client running as another uid gets no greeting and falls back.
        if os.geteuid() != 0:
            self.skipTest("needs root to run a client as another uid")
        with FakeGate() as g:
            os.chmod(g.dir, 0o755)
            os.chmod(g.path, 0o777)
            p = run_py("""
                import os, socket
                os.setuid(65534)
                s = socket.socket(socket.AF_UNIX); s.settimeout(5); s.connect(%r)
                print(repr(s.recv(100)))
            """ % g.path)
        self.assertEqual(p.stdout.strip(), "b''")


if __name__ == "__main__":
    unittest.main()
