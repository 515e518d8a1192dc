# Reference for bench/population.sh: the same patients, model and regimen as
# ketatrack's population benchmark, solved with deSolve's lsoda (rtol 1e-8).
#
# Model fanta-otto-s (Fanta 2015 / Otto 2021 Table 3), amounts in mg, time in
# hours: three-compartment S-ketamine, all S-ketamine clearance forming
# S-norketamine (FM_NK = 1), two-compartment S-norketamine. The individual
# parameters are read from patients.csv, written by bench/popbench.
# Regimen: 0.35 mg/kg/h × 70 kg = 24.5 mg/h for 4 h on days 0–9; output every
# 5 min over 14 days. Each constant-rate piece is integrated separately, as a
# modeller would, so that lsoda does not step across an infusion switch.
suppressMessages(library(deSolve))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) >= 1) args[1] else "bench/out"
npat <- if (length(args) >= 2) as.integer(args[2]) else 100

pars <- read.csv(file.path(dir, "patients.csv"))
npat <- min(npat, nrow(pars))
rate <- 0.35 * 70
grid <- seq(0, 14 * 24, by = 5 / 60)
breaks <- sort(unique(c(0, unlist(lapply(0:9, function(d) c(24 * d, 24 * d + 4))), 14 * 24)))

# The rate matrix is built once per patient (micro-constants k = CL/V), and
# the right-hand side is one matrix product: the fast way to write it in R.
rate_matrix <- function(p) {
  k10 <- p$CL / p$V1; k12 <- p$Q1 / p$V1; k21 <- p$Q1 / p$VP1; k13 <- p$Q2 / p$V1; k31 <- p$Q2 / p$VP2
  knk <- p$CL_NK / p$V_NK; k45 <- p$Q_NK / p$V_NK; k54 <- p$Q_NK / p$VP_NK
  matrix(c(
    -(k10 + k12 + k13), k21, k31, 0, 0,
    k12, -k21, 0, 0, 0,
    k13, 0, -k31, 0, 0,
    p$FM_NK * k10, 0, 0, -(knk + k45), k54,
    0, 0, 0, k45, -k54
  ), 5, 5, byrow = TRUE)
}
rhs <- function(t, x, p) list(as.vector(p$A %*% x) + c(p$R, 0, 0, 0, 0))

solve_one <- function(p) {
  p$A <- rate_matrix(p)
  x <- c(0, 0, 0, 0, 0)
  out <- matrix(NA_real_, length(grid), 2)
  out[1, ] <- 0
  for (b in seq_len(length(breaks) - 1)) {
    t0 <- breaks[b]; t1 <- breaks[b + 1]
    on <- any(abs(t0 - 24 * (0:9)) < 1e-9)
    p$R <- if (on) rate else 0
    idx <- which(grid > t0 + 1e-9 & grid <= t1 + 1e-9)
    times <- c(t0, grid[idx])
    if (abs(tail(times, 1) - t1) > 1e-9) times <- c(times, t1)
    sol <- lsoda(x, times, rhs, p, rtol = 1e-8, atol = 1e-12)
    x <- sol[nrow(sol), 2:6]
    keep <- match(grid[idx], sol[, 1])
    out[idx, 1] <- 1000 * sol[keep, 2] / p$V1
    out[idx, 2] <- 1000 * sol[keep, 5] / p$V_NK
  }
  out
}

# The same in one lsoda call per patient, the infusion as a step forcing
# function: what a quick deSolve script does. Faster, less exact at the
# switches; timed and checked too, and the faster of the two is the
# reference time.
rate_at <- function(t) if (t < 240 && (t %% 24) < 4) rate else 0
rhs1 <- function(t, x, p) list(as.vector(p$A %*% x) + c(rate_at(t), 0, 0, 0, 0))
solve_one_call <- function(p) {
  p$A <- rate_matrix(p)
  sol <- lsoda(c(0, 0, 0, 0, 0), grid, rhs1, p, rtol = 1e-8, atol = 1e-12)
  cbind(1000 * sol[, 2] / p$V1, 1000 * sol[, 5] / p$V_NK)
}

t0 <- proc.time()[["elapsed"]]
res <- lapply(seq_len(npat), function(i) solve_one(as.list(pars[i, ])))
secs <- proc.time()[["elapsed"]] - t0
t0 <- proc.time()[["elapsed"]]
res1 <- lapply(seq_len(npat), function(i) solve_one_call(as.list(pars[i, ])))
secs1 <- proc.time()[["elapsed"]] - t0

# agreement with ketatrack, patient by patient: relative error, values below
# 1e-6 of the output's peak compared on that scale
kt <- read.csv(file.path(dir, "ketatrack_subset.csv"))
worst_of <- function(rs) {
  worst <- 0
  for (i in seq_len(npat)) {
    g <- kt[kt$id == i - 1, ]
    for (k in 1:2) {
      ref <- rs[[i]][, k]
      got <- if (k == 1) g$ketamine_ng_mL else g$norketamine_ng_mL
      scale <- pmax(abs(ref), 1e-6 * max(abs(ref)))
      worst <- max(worst, max(abs(got - ref) / scale))
    }
  }
  worst
}
worst <- worst_of(res)
worst1 <- worst_of(res1)
# percentiles over the subset, R's quantile(type = 7), against ketatrack's
# (only when R solved the whole subset ketatrack took its percentiles of)
q <- read.csv(file.path(dir, "ketatrack_subset_percentiles.csv"))
worst_q <- if (npat == nrow(pars)) 0 else NA
for (k in if (npat == nrow(pars)) 1:2 else integer(0)) {
  m <- sapply(res, function(r) r[, k])
  qs <- apply(m, 1, quantile, probs = c(0.05, 0.5, 0.95), type = 7, names = FALSE)
  cols <- if (k == 1) c("ketamine_p5", "ketamine_p50", "ketamine_p95") else c("norketamine_p5", "norketamine_p50", "norketamine_p95")
  for (j in 1:3) {
    ref <- qs[j, ]
    scale <- pmax(abs(ref), 1e-6 * max(abs(ref)))
    worst_q <- max(worst_q, max(abs(q[[cols[j]]] - ref) / scale))
  }
}
best <- min(secs, secs1)
q_json <- if (is.na(worst_q)) "null" else sprintf("%.3g", worst_q)
cat(sprintf('{"patients": %d, "seconds": %.4f, "seconds_per_patient": %.6f, "max_rel_diff_curves": %.3g, "max_rel_diff_percentiles": %s, "piecewise_seconds": %.4f, "one_call_seconds": %.4f, "one_call_max_rel_diff_curves": %.3g}\n',
            npat, best, best / npat, worst, q_json, secs, secs1, worst1))
