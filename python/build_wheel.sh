#!/usr/bin/env bash
# Builds the conflog wheels that carry the gate binary, one per Linux
# architecture (amd64, arm64; $CONFLOG_WHEEL_ARCHES narrows the list, as
# test_wheel.sh does to this machine's), into python/dist/ (or $1). The gate is built
# with `go build` (CGO_ENABLED=0, so it runs on any Linux), or taken from
# $CONFLOG_GATE_amd64 / $CONFLOG_GATE_arm64 when set; the wheel with
# Debian's python3-build and python3-wheel, offline (--no-isolation: no
# registry is reached). The package itself stays pure Python; only the wheel's
# platform tag and the `conflog` command, which execs the binary, differ.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
out=${1:-$here/dist}
mkdir -p "$out"
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT

for arch in ${CONFLOG_WHEEL_ARCHES:-amd64 arm64}; do
	case $arch in
	amd64) plat=manylinux2014_x86_64 ;;
	arm64) plat=manylinux2014_aarch64 ;;
	*) echo "build_wheel: no wheel for GOARCH $arch" >&2; exit 1 ;;
	esac
	rm -rf "$stage/src" && mkdir -p "$stage/src"
	cp -r "$here/conflog" "$here/pyproject.toml" "$here/README.md" "$stage/src/"
	find "$stage/src" -name __pycache__ -prune -exec rm -rf {} +
	mkdir -p "$stage/src/conflog/_bin"
	prebuilt=CONFLOG_GATE_$arch
	if [ -n "${!prebuilt:-}" ]; then
		# A gate already built as below (.ci/run builds this machine's once
		# for the Python tests and the wheel); check_wheel.py checks that
		# the wheel's is a static binary for the tag's machine.
		cp "${!prebuilt}" "$stage/src/conflog/_bin/conflog"
	else
		(cd "$repo" && CGO_ENABLED=0 GOOS=linux GOARCH=$arch go build -trimpath -o "$stage/src/conflog/_bin/conflog" ./cmd/conflog)
	fi
	chmod 755 "$stage/src/conflog/_bin/conflog"
	# The wheel's additions: the binary as package data, the command, the tag.
	sed -i 's|conflog = \["py.typed"\]|conflog = ["py.typed", "_bin/conflog"]|' "$stage/src/pyproject.toml"
	printf '\n[project.scripts]\nconflog = "conflog._gate:main"\n' >>"$stage/src/pyproject.toml"
	printf '[bdist_wheel]\nplat_name = %s\npython_tag = py3\n' "$plat" >"$stage/src/setup.cfg"
	(cd "$stage/src" && /usr/bin/python3 -m build --wheel --no-isolation --outdir "$out" . >"$stage/build.log" 2>&1) ||
		{ cat "$stage/build.log"; exit 1; }
done
ls "$out"/conflog-*.whl
