#!/usr/bin/env bash
# Runs the Python package's tests on every interpreter conflog supports:
# CPython 3.9 to 3.13 from pyenv (~/.pyenv/versions) and Debian's
# /usr/bin/python3 with the real numpy, pandas, torch and tqdm. An expected
# interpreter that is missing fails the run. The end-to-end tests use the
# gate binary given as $1. Two interpreters run at a time (CI has 2 cores).
set -euo pipefail
cd "$(dirname "$0")"
gate=$1
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT

pythons=()
for minor in 3.9 3.10 3.11 3.12 3.13; do
	found=$(ls -d "$HOME"/.pyenv/versions/"$minor".*/bin/python 2>/dev/null | sort -V | tail -1 || true)
	if [ -z "$found" ]; then
		echo "python: CPython $minor is missing from ~/.pyenv/versions: conflog is tested on 3.9 to 3.13" >&2
		exit 1
	fi
	pythons+=("$found")
done
pythons+=(/usr/bin/python3)

run_one() {
	local py=$1 log
	log=$logs/$(echo "$py" | tr / _).log
	# Debian's interpreter has the ML libraries: there, a missing one fails.
	local ml=0
	[ "$py" = /usr/bin/python3 ] && ml=1
	if CONFLOG_REQUIRE_ML=$ml CONFLOG_REQUIRE_GATE=1 CONFLOG_GATE=$gate "$py" -m unittest discover -s tests -t . >"$log" 2>&1; then
		echo "-- $("$py" --version) ($py): $(tail -1 "$log")"
	else
		echo "-- $("$py" --version) ($py): FAILED"; cat "$log"; return 1
	fi
}
export -f run_one
export logs gate
printf '%s\n' "${pythons[@]}" | xargs -P 2 -I{} bash -c 'run_one {}'
