#!/usr/bin/env bash
# Population benchmark of ketatrack's pharmacology engine against R deSolve
# (and SciPy when python3-scipy is importable), measured in one run on this
# machine. The case (issue 5, shared/PRODUCT.md "Performance targets"):
# 10,000 virtual patients, 0.35 mg/kg/h × 4 h × 10 days (Schwartzman), S-ketamine
# and S-norketamine (model fanta-otto-s), 5-minute grid over 14 days,
# percentiles 5/50/95.
#
# ketatrack runs all 10,000 patients (5 timed repetitions after a warm-up; the
# median is reported). R deSolve (lsoda, rtol 1e-8) takes several minutes for
# 10,000, so it solves the first SUBSET patients (default 100) and its time
# is scaled to 10,000 — said so in the output. Both solve the very same
# patients (ketatrack writes their individual parameters), and the script
# checks that the concentrations agree within 1e-6 relative, and the subset's
# percentiles too.
#
# Usage: bench/population.sh [SUBSET]     (outputs in bench/out/, git-ignored)
set -euo pipefail
cd "$(dirname "$0")/.."
SUBSET="${1:-100}"
OUT=bench/out
mkdir -p "$OUT"

if ! Rscript -e 'suppressMessages(library(deSolve))' >/dev/null 2>&1; then
  echo "installing r-base-core r-cran-desolve (Debian packages)..." >&2
  export DEBIAN_FRONTEND=noninteractive
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq r-base-core r-cran-desolve >/dev/null
fi

echo "== ketatrack (Go), 10,000 patients" >&2
go run ./bench/popbench -n 10000 -subset "$SUBSET" -reps 5 -out "$OUT" > "$OUT/ketatrack.json"
cat "$OUT/ketatrack.json"

echo "== R deSolve lsoda (rtol 1e-8), first $SUBSET patients" >&2
Rscript bench/population.R "$OUT" "$SUBSET" > "$OUT/desolve.json"
cat "$OUT/desolve.json"

PY=""
for p in /usr/bin/python3 python3; do
  if command -v "$p" >/dev/null 2>&1 && "$p" -c 'import scipy, numpy' >/dev/null 2>&1; then PY="$p"; break; fi
done
if [ -n "$PY" ]; then
  echo "== SciPy solve_ivp LSODA (rtol 1e-8), first $SUBSET patients" >&2
  "$PY" bench/population_scipy.py "$OUT" "$SUBSET" > "$OUT/scipy.json"
  cat "$OUT/scipy.json"
else
  echo "== SciPy: python3-scipy not importable, skipped" >&2
fi

# Report: times, agreement, ratios (reference time scaled to 10,000 patients).
REPORT_PY="${PY:-python3}"
command -v "$REPORT_PY" >/dev/null 2>&1 || REPORT_PY=/usr/bin/python3
"$REPORT_PY" - "$OUT" <<'PYEOF'
import json, os, sys
out = sys.argv[1]
kt = json.load(open(os.path.join(out, "ketatrack.json")))
refs = {"R deSolve lsoda": "desolve.json", "SciPy LSODA": "scipy.json"}
go_s = kt["population_seconds_med"]
print()
print(f"ketatrack: 10,000 patients x {kt['grid_points']} times, percentiles: "
      f"median {go_s:.3f} s, best {kt['population_seconds_min']:.3f} s of {kt['repetitions']} runs on {kt['cores']} cores"
      + (f"; CPU time (all threads) median {kt['population_cpu_seconds_med']:.3f} s" if kt.get("population_cpu_seconds_med") else ""))
ok = True
for name, f in refs.items():
    p = os.path.join(out, f)
    if not os.path.exists(p):
        continue
    r = json.load(open(p))
    full = r["seconds_per_patient"] * 10000
    pq = r.get("max_rel_diff_percentiles")
    agree = r["max_rel_diff_curves"] <= 1e-6 and (pq is None or pq <= 1e-6)
    if name.startswith("R"):
        agree = agree and r.get("one_call_max_rel_diff_curves", 0) <= 1e-6
    ok = ok and agree
    print(f"{name}: {r['patients']} patients in {r['seconds']:.2f} s "
          f"({r['seconds_per_patient']*1000:.1f} ms/patient; scaled to 10,000: {full:.0f} s) "
          f"-> ketatrack is {full/go_s:,.0f}x faster (median run)")
    if "one_call_seconds" in r:
        print(f"  deSolve timings: piecewise (restart at each infusion switch) {r['piecewise_seconds']:.2f} s, "
              f"one lsoda call with a step forcing function {r['one_call_seconds']:.2f} s "
              f"(its max relative difference {r['one_call_max_rel_diff_curves']:.2g}); the faster is used above")
    print(f"  agreement: max relative difference of the curves {r['max_rel_diff_curves']:.2g}"
          + (f", of the percentiles {pq:.2g}" if pq is not None else "")
          + (" (within 1e-6)" if agree else " (EXCEEDS 1e-6)"))
sys.exit(0 if ok else 1)
PYEOF
