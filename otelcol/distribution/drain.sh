#!/usr/bin/env bash
# drain.sh BIN LOGFILE conflog|filter|none: runs the distribution BIN on LOGFILE
# (filelog -> the conflog processor, the contrib filter processor doing only the
# prefix rule in OTTL (BIN must have it: otelcol/bench/distribution's), or no
# processor -> file exporter, json), waits until the
# export stops growing for 5 s, stops it, and prints the records exported, the time
# to drain (to the last growth, 1 s polls), CPU seconds and peak RSS (GNU time).
# docs/otelcol.md gives the numbers.
set -euo pipefail
bin=$1 log=$2 procs=$3
d=$(mktemp -d); mkdir "$d/in"; ln "$log" "$d/in/job.log" 2>/dev/null || cp "$log" "$d/in/job.log"
case $procs in
conflog) p="[conflog]" ;;
filter) p="[filter]" ;;
none) p="[]" ;;
*) echo "drain.sh: want conflog, filter or none, not $procs" >&2; exit 2 ;;
esac
filter=""
[ "$procs" = filter ] && filter='
  filter:
    error_mode: ignore
    logs:
      log_record:
        - not IsMatch(body, "^SystemLog:")'
cat > "$d/cfg.yaml" <<Y
receivers:
  filelog:
    include: [$d/in/*.log]
    start_at: beginning
    include_file_path: true
    include_file_record_number: true
    preserve_leading_whitespaces: true
    preserve_trailing_whitespaces: true
processors:
  conflog:
    prefix: "SystemLog:"$filter
exporters:
  file:
    path: $d/export.json
    format: json
    flush_interval: 50ms
service:
  telemetry: {metrics: {level: none}}
  pipelines:
    logs: {receivers: [filelog], processors: $p, exporters: [file]}
Y
start=$(date +%s.%N)
/usr/bin/time -v -o "$d/time.txt" "$bin" --config "$d/cfg.yaml" >"$d/col.log" 2>&1 &
tp=$!
last=0; lastt=$start
while :; do
  sleep 1
  s=$(stat -c %s "$d/export.json" 2>/dev/null || echo 0)
  now=$(date +%s.%N)
  if [ "$s" != "$last" ]; then last=$s; lastt=$now; elif awk "BEGIN{exit !($now-$lastt>5)}"; then break; fi
done
kill -TERM "$(pgrep -P $tp)"; wait $tp || true
n=$(grep -o '"body"' "$d/export.json" | wc -l)
echo "procs=$procs records_out=$n drain_s=$(awk "BEGIN{printf \"%.1f\", $lastt-$start}") (1 s poll) $(grep -E 'User time|System time|Maximum resident' "$d/time.txt" | sed 's/^\s*//' | tr '\n' ';')"
rm -rf "$d"
