#!/bin/sh
# fetch.sh WORKDIR: copy each proxy module of versions.txt into WORKDIR,
# annotate it (its slog calls marked public, as an adopting team would) and
# run conflog vet beside go vet on the listed packages, with their times.
# ai-gateway is not on the proxy: clone it at the commit in versions.txt
# into WORKDIR/ai-gateway by hand first; it is then annotated and checked.
# ollama's server package needs cgo headers its module zip drops, so only
# its pure-Go packages are checked.
set -eu
work=${1:?usage: fetch.sh WORKDIR}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
mkdir -p "$work"
export CGO_ENABLED=0 GOFLAGS=-mod=mod
(cd "$root" && go build -o "$work/conflog" ./cmd/conflog)
(cd "$root/bench" && go build -o "$work/annotate" ./vetcorpus/annotate)
grep -v '^#' "$here/versions.txt" | while read -r mod rest; do
	[ -n "$mod" ] || continue
	# The last field is the mode, the ones between are packages.
	mode=${rest##* }
	pkgs=${rest% *}
	name=$(basename "${mod%@*}")
	dir="$work/$name"
	if [ ! -d "$dir" ]; then
		src=$(go mod download -json "$mod" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
		[ -n "$src" ] || { echo "skip $mod: not on the proxy (manual step)"; continue; }
		cp -r "$src" "$dir" && chmod -R u+w "$dir"
		(cd "$dir" && go mod download)
	fi
	flag=""
	if [ "$mode" = annotated ]; then
		"$work/annotate" -conflog "$root" "$dir" $pkgs
		if [ "$name" = ai-gateway ]; then
			# conflog's otel/log v0.23 breaks ai-gateway's v0.20 log exporters.
			(cd "$dir" && go get go.opentelemetry.io/otel/exporters/otlp/otlplog/otlploggrpc@v0.23.0 \
				go.opentelemetry.io/otel/exporters/stdout/stdoutlog@v0.23.0)
		fi
	else
		flag=--audit
	fi
	(cd "$dir" && /usr/bin/time -f "$name conflog vet: %e s, %M KB" "$work/conflog" vet $flag $pkgs > "$work/$name.findings" || true)
	(cd "$dir" && /usr/bin/time -f "$name go vet: %e s, %M KB" go vet $pkgs > /dev/null 2>&1 || true)
done
