#!/usr/bin/env bash
# The cohort-report benchmark of shared/PRODUCT.md ("Performance targets"):
# 10,000 patients × 600 journal days (6 million rows), on SQLite and on
# PostgreSQL, each against the same per-day summary written by hand in SQL
# and run by sqlite3 / psql on the same database (the reference). Each phase
# is its own process, so each peak memory (max RSS) is its own.
#
# Usage: bench/cohort/run.sh [PATIENTS [DAYS [REPS]]]   (default 10000 600 3)
# The databases are kept in bench/out/ (git-ignored; SQLite about 1.5 GB)
# and in the PostgreSQL schema kt_bench_cohort_P_D, and reused by later runs;
# remove them to load again. PostgreSQL: KETATRACK_TEST_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/test?sslmode=disable).
set -euo pipefail
cd "$(dirname "$0")/../.."
P="${1:-10000}"; D="${2:-600}"; R="${3:-3}"
OUT=bench/out
mkdir -p "$OUT"
go build -o "$OUT/cohortbench" ./bench/cohort
for e in sqlite postgres; do
  echo "== $e: load (once)" >&2
  "$OUT/cohortbench" -phase load -engine "$e" -patients "$P" -days "$D" -dir "$OUT"
  echo "== $e: report ($R runs)" >&2
  "$OUT/cohortbench" -phase report -engine "$e" -patients "$P" -days "$D" -dir "$OUT" -reps "$R"
  echo "== $e: the same report reading one row per patient-day (no journal_series)" >&2
  "$OUT/cohortbench" -phase scan -engine "$e" -patients "$P" -days "$D" -dir "$OUT"
  echo "== $e: reference by hand" >&2
  "$OUT/cohortbench" -phase reference -engine "$e" -patients "$P" -days "$D" -dir "$OUT"
done
echo "== summary" >&2
for e in sqlite postgres; do
  python3 - "$OUT/cohort-report-$e-$P-$D.json" "$OUT/cohort-reference-$e-$P-$D.json" "$OUT/cohort-scan-$e-$P-$D.json" <<'PY'
import json, sys
rep, ref, scan = (json.load(open(f)) for f in sys.argv[1:4])
print(f"{rep['engine']:9} report {rep['report_s']:.3f} s (read {rep['read_s']:.3f} + statistics {rep['analyze_s']:.3f}), "
      f"heap {rep['heap_live_mb']:.0f} MB live, RSS {rep['max_rss_mb']:.0f} MB | "
      f"{ref['tool']} by hand {ref['reference_s']:.2f} s, RSS {ref['max_rss_mb']:.0f} MB | "
      f"ratio {ref['reference_s'] / rep['report_s']:.1f}x | agree to {ref['max_rel_diff']:.1e} over {ref['rows_compared']} rows | "
      f"row-per-day read instead: {scan['report_s']:.2f} s")
PY
done
