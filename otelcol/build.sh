#!/usr/bin/env bash
# Builds conflog's Collector distribution (./cmd/otelcol-conflog, this
# module's go.mod pinning every component) once: the binary is cached under
# ${CONFLOG_CACHE:-~/.cache/conflog}/otelcol/KEY, KEY a hash of every file of
# this module and of the Go version, so a change to a component, a
# dependency or the toolchain builds again. Prints the binary's path on
# stdout; the build's output goes to stderr.
#
#   bin=$(otelcol/build.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
key=$(cd "$here" && { go env GOVERSION; find . -type f ! -name '*_test.go' -print0 | sort -z | xargs -0 sha256sum; } | sha256sum | cut -c1-16)
cache=${CONFLOG_CACHE:-$HOME/.cache/conflog}/otelcol/$key
bin=$cache/otelcol-conflog
if [ ! -x "$bin" ]; then
	echo "building the Collector into $cache (once; a few minutes)" >&2
	mkdir -p "$cache"
	(cd "$here" && go build -o "$bin.tmp" ./cmd/otelcol-conflog) >&2
	mv "$bin.tmp" "$bin"
fi
echo "$bin"
