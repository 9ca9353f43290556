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
    os.execv(path, [path] + sys.argv[1:])


if __name__ == "__main__":
    sys.exit(main())
