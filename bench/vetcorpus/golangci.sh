#!/bin/sh
# golangci.sh [WORKDIR]: test docs/vet.md's golangci-lint set-up from a
# checkout. It installs golangci-lint (pinned, from the Go module proxy),
# runs the real "golangci-lint custom" on a .custom-gcl.yml whose plugin has
# "path:" pointing at this checkout, then lints a small module with the
# custom binary: conflog's findings must be reported, its settings
# (sensitive-add) must reach the analyzer, and sloglint must accept
# conflog's call form once no-mixed-args is off, as the doc says.
#
# "golangci-lint custom" clones github.com/golangci/golangci-lint at the
# version; where only the module proxy is reachable, the script gives git
# the same tree from the proxy as a local repository with that tag (git's
# url.insteadOf), so every other step is golangci-lint's own.
#
# It takes minutes (golangci-lint is compiled twice, the second time with
# conflog's newer x/tools), so it is not part of .ci/run.
set -eu
version=v2.5.0
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
work=${1:-$(mktemp -d)}
mkdir -p "$work"
work=$(cd "$work" && pwd)
export CGO_ENABLED=0 GOWORK=off GOFLAGS=-mod=mod
fail() { echo "golangci.sh: FAIL: $*" >&2; exit 1; }

[ -x "$work/bin/golangci-lint" ] || GOBIN="$work/bin" go install "github.com/golangci/golangci-lint/v2/cmd/golangci-lint@$version"

# The clone golangci-lint custom makes, from the module proxy.
src=$(go mod download -json "github.com/golangci/golangci-lint/v2@$version" | sed -n 's/.*"Dir": "\(.*\)".*/\1/p')
[ -n "$src" ] || fail "golangci-lint $version is not on the module proxy"
if [ ! -d "$work/golangci-lint.git" ]; then
	cp -r "$src" "$work/golangci-lint.git"
	chmod -R u+w "$work/golangci-lint.git"
	(cd "$work/golangci-lint.git" && git init -q && git add -A &&
		git -c user.name=golangci.sh -c user.email=none commit -qm "$version from the module proxy" && git tag "$version")
fi
if ! git ls-remote https://github.com/golangci/golangci-lint.git "$version" >/dev/null 2>&1; then
	export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0="url.file://$work/golangci-lint.git.insteadOf" \
		GIT_CONFIG_VALUE_0=https://github.com/golangci/golangci-lint.git
fi

# A project pointing at this checkout by a relative path, as docs/vet.md's
# path: ../conflog does (golangci-lint hashes the directory: no symlink).
proj="$work/project"
rm -rf "$proj"
mkdir -p "$proj"
rel=$(realpath --relative-to="$proj" "$root")
cat > "$proj/go.mod" <<MOD
module example.com/project

go 1.26

require github.com/conflog/conflog v0.0.0

replace github.com/conflog/conflog => $rel
MOD
cat > "$proj/main.go" <<'GO'
package main

import (
	"os"

	"github.com/conflog/conflog"
)

func lookup() string { return "unit-7" }

func main() {
	logger := conflog.New(os.Stderr, "SystemLog:", nil)
	mrn := lookup()
	logger.Info("admitted", conflog.Public, "mrn", mrn)
	logger.Info("started", conflog.Public, "args", os.Args[1])
	logger.Info("ready", conflog.Public, "workers", 4)
}
GO
cat > "$proj/.custom-gcl.yml" <<YML
version: $version
plugins:
  - module: github.com/conflog/conflog
    import: github.com/conflog/conflog/vet/golangci
    path: $rel
YML
lintcfg() {
	cat > "$proj/.golangci.yml" <<YML
version: "2"
linters:
  default: none
  enable: [conflog, sloglint]
  settings:
    sloglint:
      no-mixed-args: $1
    custom:
      conflog:
        type: module
        settings:
          sensitive-add: [mrn]
YML
}
(cd "$proj" && go mod tidy && "$work/bin/golangci-lint" custom -v) || fail "golangci-lint custom did not build the plugin from the checkout"
[ -x "$proj/custom-gcl" ] || fail "no custom-gcl binary"

lintcfg false
out=$(cd "$proj" && ./custom-gcl run ./... 2>&1) && fail "custom-gcl found nothing in leaky code:
$out"
echo "$out"
echo "$out" | grep -q 'main.go:14:.*CL002 public call logs mrn' || fail "sensitive-add did not reach the analyzer"
echo "$out" | grep -q 'main.go:15:.*CL003 public call logs os.Args\[1\]' || fail "CL003 on os.Args not reported"
echo "$out" | grep -q 'main.go:16:' && fail "a clean public call was reported"
echo "$out" | grep -q sloglint && fail "sloglint reported conflog's call form with no-mixed-args: false"

lintcfg true
out=$(cd "$proj" && ./custom-gcl run ./... 2>&1) || true
echo "$out" | grep -q 'sloglint' || fail "sloglint's no-mixed-args default did not flag conflog's call form: the doc's advice would be moot"
echo "golangci.sh: ok: golangci-lint $version custom with conflog's path: plugin reports its findings"
