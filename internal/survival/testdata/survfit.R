# Reference Kaplan-Meier curves for `ketatrack survival --json`, computed by R.
#
# Run from internal/survival:
#   Rscript testdata/survfit.R OUTDIR testdata/relief_*.csv
# writes OUTDIR/relief_NAME.golden.json for each file (OUTDIR = testdata
# regenerates the committed goldens).
#
# fit <- survfit(Surv(days, relapsed) ~ 1, data = d) with survival's defaults
# (Kaplan-Meier, Greenwood variance, conf.type = "log", conf.int = 0.95);
# days = end - start. The curve is every time in fit (events and
# censorings): fit$time, n.risk, n.event, surv, lower, upper. The median and
# its interval are summary(fit)$table[c("median", "0.95LCL", "0.95UCL")].
# NA is written as null.

suppressPackageStartupMessages(library(survival))
curve <- function(path) {
  d <- read.csv(path, colClasses = "character", fileEncoding = "UTF-8-BOM", strip.white = TRUE)
  d$days <- as.numeric(as.Date(d$end) - as.Date(d$start))
  d$relapsed <- as.integer(d$relapsed)
  fit <- survfit(Surv(days, relapsed) ~ 1, data = d)
  tab <- summary(fit)$table

  num <- function(x) {
    if (length(x) == 0 || is.null(x) || is.na(x) || !is.finite(x)) "null"
    else sprintf("%.17g", x)
  }
  str <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")
  obj <- function(kv) paste0("{", paste(sprintf("%s:%s", vapply(names(kv), str, ""), unlist(kv)), collapse = ","), "}")

  points <- vapply(seq_along(fit$time), function(i) obj(list(
    day = num(fit$time[i]), at_risk = num(fit$n.risk[i]), events = num(fit$n.event[i]),
    survival = num(fit$surv[i]), lower = num(fit$lower[i]), upper = num(fit$upper[i]))), "")

  report <- obj(list(
    n = num(fit$n), events = num(sum(fit$n.event)),
    median_days = num(tab[["median"]]),
    median_ci95 = paste0("[", num(tab[["0.95LCL"]]), ",", num(tab[["0.95UCL"]]), "]"),
    curve = paste0("[", paste(points, collapse = ","), "]")))

  obj(list(
    generated_by = obj(list(r = str(R.version.string),
                            survival = str(as.character(packageVersion("survival"))),
                            script = str("internal/survival/testdata/survfit.R"),
                            input = str(basename(path)))),
    report = report))
  }

  args <- commandArgs(trailingOnly = TRUE)
  for (path in args[-1]) {
    out <- file.path(args[1], sub("\\.csv$", ".golden.json", basename(path)))
    writeLines(curve(path), out)
}
