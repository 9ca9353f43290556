"""The `conflog` command of the wheel: runs the gate binary it carries."""

import os
import sys


def binary():
    """The path of the gate binary in this install, or None (a source install)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_bin", "conflog")
    return path if os.path.isfile(path) else None


def main():
    path = binary()
    if path is None:
        sys.stderr.write("conflog: error: this install of the conflog package carries no gate binary\n"
                         "conflog: hint: install the conflog wheel for your platform, or build the gate: go build ./cmd/conflog\n")
        return 2
    if not os.access(path, os.X_OK):
        os.chmod(path, 0o755)  # an unpacker that dropped the mode bit
    os.execve(path, [path] + sys.argv[1:], job_environ(os.environ, sys.executable))


def job_environ(environ, executable):
    """The environment the gate and so its job get: environ with the
    directory of the interpreter running this command first on PATH.

    Installed in a venv that is not activated (``venv/bin/conflog run --
    python job.py``), the command would otherwise start whatever ``python``
    PATH finds first, the system's, which has no conflog: the job's public
    records would then have nowhere to go. With the venv's bin first, the job
    runs on the interpreter the wheel was installed into, as if activated."""
    env = dict(environ)
    bindir = os.path.dirname(os.path.abspath(executable)) if executable else ""
    if bindir:
        rest = [d for d in env.get("PATH", os.defpath).split(os.pathsep) if d and d != bindir]
        env["PATH"] = os.pathsep.join([bindir] + rest)
    return env


if __name__ == "__main__":
    sys.exit(main())
