#!/usr/bin/env bash
# Tests the wheels that carry the gate as a Python team would use them, and
# the source install, all offline:
#
# 1. both wheels (x86_64 and aarch64) pass check_wheel.py: tags, metadata,
#    entry point, RECORD hashes, the package's files, a static ELF gate for
#    the tag's machine with mode 0755;
# 2. this machine's wheel, in a fresh venv of Debian's python3: without
#    activating the venv, `conflog --help` and a job under
#    `venv/bin/conflog run --strict`. The job must run on the venv's
#    interpreter (the command puts its bin first on the job's PATH), its
#    public records must leave through the gate's channel, and none of its
#    planted private values may;
# 3. the other machine's wheel, installed by pip for that platform
#    (--platform, --target), its gate run under qemu user emulation
#    (Debian's qemu-user-static): --help and `scrub` give the bytes the
#    native gate gives, and it runs the same kind of job under --strict;
# 4. `pip install --no-build-isolation ./python` (the documented offline
#    source install) in a fresh venv, whose interpreter then runs a job
#    under the native gate.
#
# Wheels come from $1; when not given, both are built (a gate prebuilt for an
# architecture is taken from $CONFLOG_GATE_amd64 / $CONFLOG_GATE_arm64, as
# build_wheel.sh says).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
case $(uname -m) in
x86_64) plat=manylinux2014_x86_64 other=manylinux2014_aarch64 qemu=qemu-aarch64-static ;;
aarch64) plat=manylinux2014_aarch64 other=manylinux2014_x86_64 qemu=qemu-x86_64-static ;;
*) echo "test_wheel: no wheel for $(uname -m)" >&2; exit 1 ;;
esac
command -v "$qemu" >/dev/null || { echo "test_wheel: $qemu is missing (Debian: apt-get install qemu-user-static): the $other wheel cannot be run" >&2; exit 1; }
dist=${1:-}
if [ -z "$dist" ]; then
	dist=$work/dist
	"$here/build_wheel.sh" "$dist" >/dev/null
fi
wheel=$(ls "$dist"/conflog-*-py3-none-$plat.whl)
otherwheel=$(ls "$dist"/conflog-*-py3-none-$other.whl)

# 1. Both wheels as an installer reads them.
/usr/bin/python3 "$here/check_wheel.py" "$wheel" "$here/conflog" "$work/gate"
/usr/bin/python3 "$here/check_wheel.py" "$otherwheel" "$here/conflog" "$work/othergate"

cat >"$work/job.py" <<'PY'
import logging, sys
import conflog
conflog.enable("SystemLog:")
log = logging.getLogger("job")
log.info("epoch %d", 1, category=conflog.PUBLIC)
log.info("interpreter in venv: %s", sys.prefix != sys.base_prefix, category=conflog.PUBLIC)
log.info("row S3CR3T")
log.info("forged\nSystemLog: S3CR3T")
print("SystemLog: printed S3CR3T")
raise KeyError("S3CR3T")
PY
out=
fail() { echo "test_wheel: $1:"; echo "$out"; exit 1; }
# Runs a gate command line in a clean environment, as a newcomer's shell
# (PATH without the venv), and checks the job's lines. $1 says what runs.
run_job() {
	local what=$1; shift
	set +e
	out=$(cd "$work" && env -i HOME="$HOME" PATH=/usr/bin:/bin "$@" 2>&1)
	local code=$?
	set -e
	[ "$code" = 1 ] || fail "$what: exit $code, want the job's 1 (an uncaught exception)"
	grep -qx 'SystemLog: INFO job: epoch 1' <<<"$out" || fail "$what: the public record did not leave"
	grep -qx 'SystemLog: INFO job: interpreter in venv: True' <<<"$out" || fail "$what: the job did not run on the venv's interpreter"
	grep -qx 'SystemLog: KeyError: \[scrubbed\]' <<<"$out" || fail "$what: the uncaught exception did not leave scrubbed"
	[ "$(grep -c '^SystemLog: Traceback' <<<"$out")" = 1 ] || fail "$what: the uncaught exception's trace is not public exactly once"
	grep -q '^SystemLog: conflog run: exit=1 ' <<<"$out" || fail "$what: no summary from the gate"
	! grep -q S3CR3T <<<"$out" || fail "$what: a private value left"
	! grep -v '^SystemLog: ' <<<"$out" | grep -q . || fail "$what: a line without the prefix left"
}

# 2. This machine's wheel in a fresh venv.
/usr/bin/python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-index "$wheel"
"$work/venv/bin/conflog" --help 2>&1 | grep -q 'conflog run' || { echo "test_wheel: conflog --help says nothing of run" >&2; exit 1; }
run_job "$(basename "$wheel")" "$work/venv/bin/conflog" run --strict --prefix SystemLog: -- python3 job.py
echo "test_wheel: $(basename "$wheel") installs offline in a fresh venv; its gate runs a --strict job on the venv's interpreter"

# 3. The other machine's wheel: pip installs it for that platform, and its
# gate runs under emulation.
"$work/venv/bin/pip" install -q --no-index --no-deps --only-binary=:all: --platform "$other" \
	--target "$work/other" "$otherwheel"
othergate=$work/other/conflog/_bin/conflog
[ -x "$othergate" ] || { echo "test_wheel: pip installed the $other gate without its exec bit" >&2; exit 1; }
cmp -s "$othergate" "$work/othergate" || { echo "test_wheel: pip installed another $other gate than the wheel's" >&2; exit 1; }
[ "$("$qemu" "$othergate" --help 2>&1)" = "$("$work/gate" --help 2>&1)" ] ||
	{ echo "test_wheel: the $other gate's --help differs from the native gate's" >&2; exit 1; }
printf 'SystemLog: step 1\nrow S3CR3T\nSystemLog: tab\there\n  SystemLog: indented S3CR3T\nSystemLog: ESC \033[31m\nSystemLog: step 2' >"$work/raw.log"
"$work/gate" scrub --prefix SystemLog: "$work/raw.log" >"$work/native.out"
"$qemu" "$othergate" scrub --prefix SystemLog: <"$work/raw.log" >"$work/other.out"
cmp "$work/native.out" "$work/other.out" || { echo "test_wheel: the $other gate's scrub differs from the native gate's" >&2; exit 1; }
grep -qx 'SystemLog: step 2' "$work/other.out" && ! grep -q S3CR3T "$work/other.out" ||
	{ echo "test_wheel: the $other gate's scrub is wrong:"; cat -A "$work/other.out"; exit 1; }
# qemu's user mode has no PR_SET_CHILD_SUBREAPER: the gate says so on a
# public warning line and runs the job all the same.
run_job "the $other gate under $qemu" "$(command -v "$qemu")" "$othergate" run --strict --prefix SystemLog: -- "$work/venv/bin/python3" job.py
echo "test_wheel: $(basename "$otherwheel") installs for $other; its gate, under $qemu, scrubs as the native one and runs a --strict job"

# 4. The source install, offline, as docs/python.md says (from a copy: the
# in-tree build leaves build/ and egg-info behind).
/usr/bin/python3 -m venv --system-site-packages "$work/srcvenv"
mkdir "$work/src" && cp -r "$here/conflog" "$here/pyproject.toml" "$here/README.md" "$work/src/"
"$work/srcvenv/bin/pip" install -q --no-index --no-build-isolation "$work/src"
rm -rf "$work/src"
run_job "pip install --no-build-isolation ./python" "$work/gate" run --strict --prefix SystemLog: -- "$work/srcvenv/bin/python3" job.py
echo "test_wheel: pip install --no-build-isolation ./python works offline in a fresh venv; its interpreter runs a --strict job"
