#!/usr/bin/env bash
# Builds conflog's Collector distribution (builder-config.yaml) with the
# OpenTelemetry Collector Builder and prints the binary's path. The binary is
# cached under ${XDG_CACHE_HOME:-$HOME/.cache}/conflog/otelcol-HASH/, HASH
# naming the manifest, this script, the Go version and every source the
# processor is built from; a second call with nothing changed only hashes.
#
#   bin=$(otelcol/distribution/build.sh) && "$bin" --config my.yaml
#
# With an argument, the manifest to build instead of builder-config.yaml (a
# path from the repository's root or absolute; otelcol/bench/distribution's
# comparison distribution), cached the same way; the binary is named by the
# manifest's dist::name.
#
# Needs Go and the Go module proxy (the first build downloads the builder
# and the Collector's modules, ~2-4 min on 2 cores).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
builder_version=v0.165.0   # the release builder-config.yaml pins
manifest=${1:-otelcol/distribution/builder-config.yaml}
case $manifest in /*) ;; *) manifest=$repo/$manifest ;; esac
[ -f "$manifest" ] || { echo "build.sh: no manifest $manifest" >&2; exit 1; }
name=$(sed -n 's/^  name: *//p' "$manifest" | head -1)
[ -n "$name" ] || { echo "build.sh: $manifest names no dist::name" >&2; exit 1; }

# The sources: the processor's module and the packages of the root module it
# imports (scrub, detect, traceback and what they import). Test files are
# left out: they are not in the binary.
sources() {
	cd "$repo"
	printf '%s\n' otelcol/distribution/build.sh go.mod go.sum
	find otelcol/conflogprocessor -type f \( -name '*.go' -o -name go.mod -o -name go.sum \) ! -name '*_test.go'
	find scrub detect traceback internal -type f -name '*.go' ! -name '*_test.go'
	find . -maxdepth 1 -type f -name '*.go' ! -name '*_test.go'
}
hash=$( { go version; echo "$builder_version"; sha256sum <"$manifest"; sources | LC_ALL=C sort | while read -r f; do
	printf '%s\n' "$f"; sha256sum <"$repo/$f"; done; } | sha256sum | cut -c1-16)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/conflog/otelcol-$hash
bin=$cache/$name
if [ -x "$bin" ]; then
	echo "$bin"
	exit 0
fi

# Build in a fresh directory beside the cache entry and move it into place at
# the end, so that a build cut short, or two builds at once, never leave a
# half-written binary where the next call would take it.
mkdir -p "$(dirname "$cache")"
work=$(mktemp -d "$cache.tmp.XXXXXX")
trap 'rm -rf "$work"' EXIT
sed "s|CONFLOG_REPO|$repo|g" "$manifest" >"$work/builder-config.yaml"
GOBIN="$work/bin" go install "go.opentelemetry.io/collector/cmd/builder@$builder_version" >&2
(cd "$work" && ./bin/builder --config builder-config.yaml >build.log 2>&1) || {
	cat "$work/build.log" >&2
	echo "build.sh: the OpenTelemetry Collector Builder failed (its output is above)" >&2
	exit 1
}
"$work/build/$name" --version >/dev/null
mkdir -p "$work/out"
mv "$work/build/$name" "$work/out/$name"
if ! mv -T "$work/out" "$cache" 2>/dev/null && [ ! -x "$bin" ]; then
	echo "build.sh: cannot move the binary to $cache" >&2
	exit 1
fi
echo "$bin"
