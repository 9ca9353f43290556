"""Checks a conflog wheel with the standard library only, as an installer
would read it, and extracts its gate binary:

    python3 check_wheel.py WHEEL PACKAGE_DIR BINARY_OUT

- the file name is conflog-VERSION-py3-none-PLATFORM.whl, PLATFORM one of
  manylinux2014_x86_64 and manylinux2014_aarch64;
- WHEEL says Wheel-Version 1.0 and exactly that one tag; METADATA names
  conflog at VERSION with Requires-Python >=3.9; entry_points gives the
  `conflog` command as conflog._gate:main;
- RECORD lists every member of the archive once, itself without a hash and
  every other with the sha256 (urlsafe base64, unpadded) and size of its
  bytes, and nothing that is not in the archive;
- the package's Python files are those of PACKAGE_DIR byte for byte (no
  more, no less: no test, no __pycache__);
- conflog/_bin/conflog is mode 0755 and a static ELF executable (no
  interpreter, so it runs on any Linux) for the tag's machine: x86-64 or
  AArch64, 64-bit, little-endian.

It prints one line describing the wheel and exits 1 with every problem
found otherwise.
"""

import base64
import csv
import email.parser
import hashlib
import io
import os
import re
import struct
import sys
import zipfile

MACHINES = {"manylinux2014_x86_64": (62, "x86-64"), "manylinux2014_aarch64": (183, "AArch64")}
BIN = "conflog/_bin/conflog"


def elf_problems(data, want_machine):
    """What makes data other than a static 64-bit little-endian ELF
    executable for want_machine (an e_machine number)."""
    if data[:4] != b"\x7fELF":
        return ["not an ELF file"]
    out = []
    if data[4] != 2 or data[5] != 1:
        out.append("not 64-bit little-endian (class %d, data %d)" % (data[4], data[5]))
        return out
    e_type, e_machine = struct.unpack_from("<HH", data, 16)
    if e_type != 2:
        out.append("e_type %d, not an executable (2)" % e_type)
    if e_machine != want_machine:
        out.append("e_machine %d, want %d" % (e_machine, want_machine))
    e_phoff, = struct.unpack_from("<Q", data, 32)
    e_phentsize, e_phnum = struct.unpack_from("<HH", data, 54)
    for i in range(e_phnum):
        p_type, = struct.unpack_from("<I", data, e_phoff + i * e_phentsize)
        if p_type == 3:  # PT_INTERP: dynamically linked
            out.append("dynamically linked (has PT_INTERP): built without CGO_ENABLED=0?")
    return out


def check(path, pkg_dir):
    """Returns (problems, description, binary bytes or None)."""
    problems = []
    m = re.fullmatch(r"conflog-([0-9][0-9A-Za-z.+]*)-py3-none-(\w+)\.whl", os.path.basename(path))
    if not m or m.group(2) not in MACHINES:
        return ["file name %r is not conflog-VERSION-py3-none-(%s).whl" % (os.path.basename(path), "|".join(MACHINES))], "", None
    version, plat = m.groups()
    info = "conflog-%s.dist-info/" % version
    z = zipfile.ZipFile(path)
    names = z.namelist()
    if len(names) != len(set(names)):
        problems.append("the archive holds a name twice")

    def text(name):
        try:
            return z.read(name).decode("utf-8")
        except KeyError:
            problems.append("no " + name)
            return ""

    wheel = email.parser.Parser().parsestr(text(info + "WHEEL"))
    if wheel["Wheel-Version"] != "1.0":
        problems.append("Wheel-Version %r" % wheel["Wheel-Version"])
    if wheel.get_all("Tag") != ["py3-none-" + plat]:
        problems.append("tags %r, want exactly py3-none-%s" % (wheel.get_all("Tag"), plat))
    meta = email.parser.Parser().parsestr(text(info + "METADATA"))
    for field, want in (("Name", "conflog"), ("Version", version), ("Requires-Python", ">=3.9")):
        if meta[field] != want:
            problems.append("METADATA %s is %r, want %r" % (field, meta[field], want))
    if not re.search(r"^\[console_scripts\]\s*\nconflog\s*=\s*conflog\._gate:main\s*$", text(info + "entry_points.txt"), re.M):
        problems.append("entry_points.txt does not make `conflog` run conflog._gate:main")

    record = list(csv.reader(io.StringIO(text(info + "RECORD"))))
    listed = {}
    for row in record:
        if len(row) != 3:
            problems.append("RECORD row %r has %d fields" % (row, len(row)))
            continue
        if row[0] in listed:
            problems.append("RECORD lists %s twice" % row[0])
        listed[row[0]] = row
    for name in names:
        row = listed.pop(name, None)
        if row is None:
            problems.append("%s is not in RECORD" % name)
        elif name == info + "RECORD":
            if row[1:] != ["", ""]:
                problems.append("RECORD's own row has a hash or size")
        else:
            data = z.read(name)
            digest = "sha256=" + base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
            if row[1] != digest:
                problems.append("%s: RECORD hash %s, the bytes' is %s" % (name, row[1], digest))
            if row[2] != str(len(data)):
                problems.append("%s: RECORD size %s, the bytes' is %d" % (name, row[2], len(data)))
    for name in listed:
        problems.append("RECORD lists %s, which the archive lacks" % name)

    source = {}
    for d, dirs, files in os.walk(pkg_dir):
        dirs[:] = [x for x in dirs if x != "__pycache__"]
        for f in files:
            full = os.path.join(d, f)
            source["conflog/" + os.path.relpath(full, pkg_dir).replace(os.sep, "/")] = full
    shipped = {n for n in names if not n.startswith(info) and n != BIN}
    for name in sorted(shipped - set(source)):
        problems.append("%s is in the wheel but not in %s" % (name, pkg_dir))
    for name in sorted(set(source) - shipped):
        problems.append("%s is missing from the wheel" % name)
    for name in sorted(shipped & set(source)):
        with open(source[name], "rb") as f:
            if f.read() != z.read(name):
                problems.append("%s differs from %s" % (name, source[name]))

    binary = None
    machine, machine_name = MACHINES[plat]
    try:
        zi = z.getinfo(BIN)
    except KeyError:
        problems.append("no " + BIN)
    else:
        mode = (zi.external_attr >> 16) & 0o7777
        if mode != 0o755:
            problems.append("%s has mode %o, want 755" % (BIN, mode))
        binary = z.read(BIN)
        problems += ["%s: %s" % (BIN, p) for p in elf_problems(binary, machine)]
    desc = "%s: tag py3-none-%s, %d files hashed as RECORD says, gate a static %s ELF of %.1f MB" % (
        os.path.basename(path), plat, len(names) - 1, machine_name, len(binary or b"") / 1e6)
    return problems, desc, binary


def main():
    if len(sys.argv) != 4:
        sys.stderr.write("usage: check_wheel.py WHEEL PACKAGE_DIR BINARY_OUT\n")
        return 2
    problems, desc, binary = check(sys.argv[1], sys.argv[2])
    if problems:
        sys.stderr.write("check_wheel: %s:\n" % sys.argv[1] + "".join("  %s\n" % p for p in problems))
        return 1
    with open(sys.argv[3], "wb") as f:
        f.write(binary)
    os.chmod(sys.argv[3], 0o755)
    print(desc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
