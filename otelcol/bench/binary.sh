#!/usr/bin/env bash
# binary.sh [LINES] [ROUNDS]: the whole Collector binary with the conflog
# processor, with the contrib filter processor doing only the prefix rule
# (OTTL), and with no processor, each filelog -> processor -> file exporter
# (json) on the same file of LINES lines (default 10^7) written by
# otelcol/distribution/genlog.py, ROUNDS rounds (default 2), the order
# rotated each round. One binary runs all three: otelcol/bench/distribution's
# (built here on demand and cached, as build.sh caches). Prints each run (see
# otelcol/distribution/drain.sh) and, per round, conflog's CPU and drain time
# over the filter's. docs/otelcol.md gives the numbers.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:-10000000} rounds=${2:-2}
bin=$("$repo/otelcol/distribution/build.sh" otelcol/bench/distribution/builder-config.yaml)
log=${TMPDIR:-/tmp}/conflog-genlog-$n.log
[ -s "$log" ] || python3 "$repo/otelcol/distribution/genlog.py" "$n" >"$log"
order=(conflog filter none)
for r in $(seq "$rounds"); do
	declare -A cpu=() drain=()
	for p in "${order[@]}"; do
		line=$("$repo/otelcol/distribution/drain.sh" "$bin" "$log" "$p")
		echo "round=$r $line"
		cpu[$p]=$(echo "$line" | sed -E 's/.*User time \(seconds\): ([0-9.]+);System time \(seconds\): ([0-9.]+);.*/\1 \2/' | awk '{print $1+$2}')
		drain[$p]=$(echo "$line" | sed -E 's/.*drain_s=([0-9.]+).*/\1/')
	done
	awk -v r="$r" -v cc="${cpu[conflog]}" -v cf="${cpu[filter]}" -v cn="${cpu[none]}" -v dc="${drain[conflog]}" -v df="${drain[filter]}" -v dn="${drain[none]}" 'BEGIN{
		printf "round=%d conflog/filter: cpu %.2fx, drain %.2fx; conflog/none: cpu %.2fx, drain %.2fx (throughput vs filter: %.2fx by cpu)\n", r, cc/cf, dc/df, cc/cn, dc/dn, cf/cc }'
	order=("${order[@]:1}" "${order[0]}")
done
