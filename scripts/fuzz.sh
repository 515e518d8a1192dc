#!/usr/bin/env bash
# Nightly-style fuzzing: every Go fuzz target in the module runs for FUZZTIME
# (default 60s) in turn. A finding is written by `go test` into the package's
# testdata/fuzz/NAME/ directory, where it stays as a regression input that the
# ordinary `go test ./...` replays; commit it together with the fix.
#
#   scripts/fuzz.sh                 every target, 60 s each
#   FUZZTIME=10s scripts/fuzz.sh    a quicker pass
#   scripts/fuzz.sh ./internal/units  only the targets of these packages
#   FUZZPARALLEL=1 nice scripts/fuzz.sh  one fuzzing worker per target (default:
#                                   GOMAXPROCS), for a machine that does other work
#
# Exit status: 0 when no target failed, 1 otherwise; a table of targets,
# results and durations is printed at the end.
set -uo pipefail
cd "$(dirname "$0")/.."
export PATH="$PATH:/usr/local/go/bin"
fuzztime="${FUZZTIME:-60s}"
parallel=()
if [ -n "${FUZZPARALLEL:-}" ]; then
  parallel=(-parallel "$FUZZPARALLEL")
fi

pkgs=("$@")
if [ ${#pkgs[@]} -eq 0 ]; then
  mapfile -t pkgs < <(go list ./...)
fi

failed=0
results=()
for pkg in "${pkgs[@]}"; do
  dir=$(go list -f '{{.Dir}}' "$pkg") || { failed=1; continue; }
  mapfile -t targets < <(grep -h -o '^func Fuzz[A-Za-z0-9_]*' "$dir"/*_test.go 2>/dev/null | sed 's/^func //' | sort -u)
  for t in "${targets[@]}"; do
    [ -n "$t" ] || continue
    start=$(date +%s)
    log=$(mktemp)
    if go test -run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime" "${parallel[@]}" "$pkg" >"$log" 2>&1; then
      res=ok
    else
      res=FAIL
      failed=1
      echo "---- $pkg $t" >&2
      tail -n 30 "$log" >&2
    fi
    rm -f "$log"
    results+=("$(printf '%-4s %-52s %-28s %4ss' "$res" "$pkg" "$t" "$(( $(date +%s) - start ))")")
  done
done

printf '%s\n' "${results[@]}"
echo "fuzz targets: ${#results[@]}, fuzztime each: $fuzztime, failed: $(printf '%s\n' "${results[@]}" | grep -c '^FAIL')"
exit "$failed"
