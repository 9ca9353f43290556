#!/usr/bin/env bash
# Tests the wheel that carries the gate as a Python team would use it: in a
# fresh venv of Debian's python3, installs the wheel for this machine offline,
# then, without activating the venv, runs `conflog --help` and a job under
# `venv/bin/conflog run --strict`. The job must run on the venv's interpreter
# (the command puts its bin first on the job's PATH), its public records must
# leave through the gate's channel, and none of its planted private values may.
# Wheels come from $1; when not given, only this machine's wheel is built.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
case $(uname -m) in
x86_64) plat=manylinux2014_x86_64 arch=amd64 ;;
aarch64) plat=manylinux2014_aarch64 arch=arm64 ;;
*) echo "test_wheel: no wheel for $(uname -m)" >&2; exit 1 ;;
esac
dist=${1:-}
if [ -z "$dist" ]; then
	dist=$work/dist
	CONFLOG_WHEEL_ARCHES=$arch "$here/build_wheel.sh" "$dist" >/dev/null
fi
/usr/bin/python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-index "$dist"/conflog-*-py3-none-$plat.whl
"$work/venv/bin/conflog" --help 2>&1 | grep -q 'conflog run' || { echo "test_wheel: conflog --help says nothing of run" >&2; exit 1; }
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
# A clean environment, as a newcomer's shell: PATH without the venv.
set +e
out=$(cd "$work" && env -i HOME="$HOME" PATH=/usr/bin:/bin "$work/venv/bin/conflog" run --strict --prefix SystemLog: -- python3 job.py 2>&1)
code=$?
set -e
fail() { echo "test_wheel: $1:"; echo "$out"; exit 1; }
[ "$code" = 1 ] || fail "exit $code, want the job's 1 (an uncaught exception)"
grep -qx 'SystemLog: INFO job: epoch 1' <<<"$out" || fail "the public record did not leave"
grep -qx 'SystemLog: INFO job: interpreter in venv: True' <<<"$out" || fail "the job did not run on the venv's interpreter"
grep -qx 'SystemLog: KeyError: \[scrubbed\]' <<<"$out" || fail "the uncaught exception did not leave scrubbed"
[ "$(grep -c '^SystemLog: Traceback' <<<"$out")" = 1 ] || fail "the uncaught exception's trace is not public exactly once"
! grep -q S3CR3T <<<"$out" || fail "a private value left"
! grep -v '^SystemLog: ' <<<"$out" | grep -q . || fail "a line without the prefix left"
echo "test_wheel: $(basename "$dist"/conflog-*-$plat.whl) installs offline in a fresh venv; its gate runs a --strict job on the venv's interpreter"
