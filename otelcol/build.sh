#!/usr/bin/env bash
# Builds the Collector distribution of manifest.yaml with the OpenTelemetry
# Collector Builder, once: the binary is cached under
# ${CONFLOG_CACHE:-~/.cache/conflog}/otelcol/KEY, KEY a hash of the manifest,
# of this script and of every file under otelcol/ a component may come from.
# Prints the binary's path on stdout; the build's output goes to stderr.
#
#   bin=$(otelcol/build.sh)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
builder=go.opentelemetry.io/collector/cmd/builder@v0.165.0

key=$(cd "$here" && find . -type f ! -path './_*' -print0 | sort -z | xargs -0 sha256sum | sha256sum | cut -c1-16)
cache=${CONFLOG_CACHE:-$HOME/.cache/conflog}/otelcol/$key
bin=$cache/otelcol-conflog
if [ ! -x "$bin" ]; then
	mkdir -p "$(dirname "$cache")"
	work=$(mktemp -d "$cache.tmp.XXXXXX")
	trap 'rm -rf "$work"' EXIT
	sed "s|OUTPUT_PATH|$work/dist|" "$here/manifest.yaml" >"$work/manifest.yaml"
	echo "building the Collector ($builder) into $cache" >&2
	(cd "$here" && go run "$builder" --config "$work/manifest.yaml") >&2
	mkdir -p "$cache"
	mv "$work/dist/otelcol-conflog" "$bin"
fi
echo "$bin"
