#!/usr/bin/env bash
# Tests the wheel that carries the gate: in a fresh venv of Debian's python3,
# installs the wheel for this machine offline, then runs `conflog --help` and
# a tiny job under `conflog run --strict`. Wheels come from $1 (built by
# build_wheel.sh when not given).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dist=${1:-}
if [ -z "$dist" ]; then
	dist=$work/dist
	"$here/build_wheel.sh" "$dist" >/dev/null
fi
case $(uname -m) in
x86_64) plat=manylinux2014_x86_64 ;;
aarch64) plat=manylinux2014_aarch64 ;;
*) echo "test_wheel: no wheel for $(uname -m)" >&2; exit 1 ;;
esac
/usr/bin/python3 -m venv "$work/venv"
"$work/venv/bin/pip" install -q --no-index "$dist"/conflog-*-py3-none-$plat.whl
"$work/venv/bin/conflog" --help 2>&1 | grep -q 'conflog run' || { echo "test_wheel: conflog --help says nothing of run" >&2; exit 1; }
cat >"$work/job.py" <<'PY'
import logging, conflog
conflog.enable("SystemLog:")
logging.getLogger("job").info("epoch %d", 1, category=conflog.PUBLIC)
logging.getLogger("job").info("row S3CR3T")
print("SystemLog: printed S3CR3T")
PY
out=$(cd "$work" && PATH="$work/venv/bin:$PATH" conflog run --strict --prefix SystemLog: -- python job.py 2>&1)
if ! grep -qx 'SystemLog: INFO job: epoch 1' <<<"$out" || grep -q S3CR3T <<<"$out"; then
	echo "test_wheel: the installed wheel's gate and package did not keep the rules:"; echo "$out"; exit 1
fi
echo "test_wheel: $(basename "$dist"/conflog-*-$plat.whl) installs offline in a fresh venv; its gate and package work"
