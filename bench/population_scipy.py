"""Reference for bench/population.sh with SciPy: the same patients, model and
regimen as bench/population.R, solved with solve_ivp(method="LSODA",
rtol=1e-8, atol=1e-12), each constant-rate piece separately."""
import csv
import json
import sys
import time

import numpy as np
from scipy.integrate import solve_ivp

out = sys.argv[1] if len(sys.argv) > 1 else "bench/out"
npat = int(sys.argv[2]) if len(sys.argv) > 2 else 100

with open(f"{out}/patients.csv") as f:
    pars = [{k: float(v) for k, v in row.items()} for row in csv.DictReader(f)]
npat = min(npat, len(pars))
rate = 0.35 * 70
grid = np.arange(0, 14 * 24 * 12 + 1) / 12.0
breaks = sorted(set([0.0, 14 * 24.0] + [24.0 * d for d in range(10)] + [24.0 * d + 4 for d in range(10)]))


def matrix(p):
    k10, k12, k21 = p["CL"] / p["V1"], p["Q1"] / p["V1"], p["Q1"] / p["VP1"]
    k13, k31 = p["Q2"] / p["V1"], p["Q2"] / p["VP2"]
    knk, k45, k54 = p["CL_NK"] / p["V_NK"], p["Q_NK"] / p["V_NK"], p["Q_NK"] / p["VP_NK"]
    return np.array([
        [-(k10 + k12 + k13), k21, k31, 0, 0],
        [k12, -k21, 0, 0, 0],
        [k13, 0, -k31, 0, 0],
        [p["FM_NK"] * k10, 0, 0, -(knk + k45), k54],
        [0, 0, 0, k45, -k54],
    ])


def solve(p):
    a = matrix(p)
    x = np.zeros(5)
    res = np.zeros((len(grid), 2))
    for t0, t1 in zip(breaks[:-1], breaks[1:]):
        r = rate if any(abs(t0 - 24 * d) < 1e-9 for d in range(10)) else 0.0
        u = np.array([r, 0, 0, 0, 0])
        idx = np.where((grid > t0 + 1e-9) & (grid <= t1 + 1e-9))[0]
        sol = solve_ivp(lambda t, y: a @ y + u, (t0, t1), x, method="LSODA",
                        t_eval=grid[idx], rtol=1e-8, atol=1e-12)
        res[idx, 0] = 1000 * sol.y[0] / p["V1"]
        res[idx, 1] = 1000 * sol.y[3] / p["V_NK"]
        # every break is on the 5-minute grid, so the last output is at t1
        assert abs(grid[idx[-1]] - t1) < 1e-9
        x = sol.y[:, -1]
    return res


t0 = time.perf_counter()
results = [solve(pars[i]) for i in range(npat)]
secs = time.perf_counter() - t0

kt = {}
with open(f"{out}/ketatrack_subset.csv") as f:
    for row in csv.DictReader(f):
        kt.setdefault(int(row["id"]), []).append((float(row["ketamine_ng_mL"]), float(row["norketamine_ng_mL"])))
worst = 0.0
for i in range(npat):
    got = np.array(kt[i])
    ref = results[i]
    scale = np.maximum(np.abs(ref), 1e-6 * np.abs(ref).max(axis=0))
    worst = max(worst, float(np.max(np.abs(got - ref) / scale)))
print(json.dumps({"patients": npat, "seconds": round(secs, 4), "seconds_per_patient": secs / npat,
                  "max_rel_diff_curves": float(f"{worst:.3g}")}))
