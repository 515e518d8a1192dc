# Reference cohort report for `ketatrack analyze --json`, computed by R.
#
# Run from internal/outcomes:
#   Rscript testdata/analyze.R OUTDIR testdata/journal_*.csv
# writes OUTDIR/journal_NAME.golden.json for each journal (OUTDIR = testdata
# regenerates the committed goldens).
#
# For each measure with a value: per day n, mean(x), sd(x), median(x),
# quantile(x, c(.25, .75), type = 7); kruskal.test(value, factor(day));
# friedman.test(patients x days matrix) (R drops patients missing a day);
# wilcox.test(first, last, paired = TRUE) on patients with both the first
# and last day of that measure. Responders (pain_now, pain_worst,
# pain_least, pain_24h): patients with both days and first > 0, reduction
# (first - last) / first >= 30 % / 50 %. NA (R could not compute) is null.

analyze <- function(path) {
  d <- read.csv(path, colClasses = c(patient_id = "character"), na.strings = "",
                check.names = FALSE, fileEncoding = "UTF-8-BOM", strip.white = TRUE)

  num <- function(x) {
    if (length(x) == 0 || is.null(x) || is.na(x) || !is.finite(x)) "null"
    else sprintf("%.17g", x)
  }
  str <- function(s) paste0("\"", gsub("\"", "\\\\\"", s), "\"")
  obj <- function(kv) paste0("{", paste(sprintf("%s:%s", vapply(names(kv), str, ""), unlist(kv)), collapse = ","), "}")
  arr <- function(items) paste0("[", paste(unlist(items), collapse = ","), "]")
  safe <- function(expr) tryCatch(suppressWarnings(expr), error = function(e) NULL)

  all_measures <- c("pain_now", "pain_worst", "pain_least", "pain_24h", "affective",
                    "burning", "aching", "punishing", "movement", "relief_pct")
  pain <- c("pain_now", "pain_worst", "pain_least", "pain_24h")
  patients <- unique(d$patient_id)

  measures <- list()
  responders <- list()
  for (m in intersect(all_measures, names(d))) {
    dm <- d[!is.na(d[[m]]), c("patient_id", "day", m)]
    if (nrow(dm) == 0) next
    x <- dm[[m]]
    days <- sort(unique(dm$day))

    day_items <- lapply(days, function(day) {
      v <- x[dm$day == day]
      q <- quantile(v, c(0.25, 0.75), type = 7, names = FALSE)
      obj(list(day = num(day), n = num(length(v)), mean = num(mean(v)),
               sd = num(if (length(v) > 1) sd(v) else NA), median = num(median(v)),
               q1 = num(q[1]), q3 = num(q[2])))
    })

    kw <- safe(kruskal.test(x, factor(dm$day)))
    kw_json <- obj(list(statistic = num(if (is.null(kw)) NA else unname(kw$statistic)),
                        df = num(length(days) - 1),
                        p = num(if (is.null(kw)) NA else kw$p.value)))

    wide <- matrix(NA_real_, nrow = length(patients), ncol = length(days))
    wide[cbind(match(dm$patient_id, patients), match(dm$day, days))] <- x
    fr <- safe(friedman.test(wide))
    fr_json <- obj(list(statistic = num(if (is.null(fr)) NA else unname(fr$statistic)),
                        df = num(length(days) - 1),
                        p = num(if (is.null(fr)) NA else fr$p.value),
                        n_complete = num(sum(complete.cases(wide)))))

    first <- wide[, 1]
    last <- wide[, length(days)]
    both <- complete.cases(first, last)
    wt <- if (length(days) > 1 && sum(both) > 0) safe(wilcox.test(first[both], last[both], paired = TRUE)) else NULL
    wx_json <- obj(list(first_day = num(days[1]), last_day = num(days[length(days)]),
                        n = num(sum(both)),
                        statistic = num(if (is.null(wt)) NA else unname(wt$statistic)),
                        p = num(if (is.null(wt)) NA else wt$p.value)))

    measures[[m]] <- obj(list(days = arr(day_items), kruskal_wallis = kw_json,
                              friedman = fr_json, wilcoxon_first_last = wx_json))

    if (m %in% pain) {
      f <- first[both]
      l <- last[both]
      keep <- if (length(days) > 1) f > 0 else logical(0)
      red <- (f[keep] - l[keep]) / f[keep]
      n <- sum(keep)
      # A small tolerance counts a reduction of exactly 30 % (e.g. 10 -> 7) as 30 %.
      responders[[m]] <- obj(list(first_day = num(days[1]), last_day = num(days[length(days)]),
                                  n = num(n),
                                  reduction_30_pct = num(if (n > 0) 100 * mean(red >= 0.30 - 1e-12) else NA),
                                  reduction_50_pct = num(if (n > 0) 100 * mean(red >= 0.50 - 1e-12) else NA)))
    }
  }

  report <- obj(list(patients = num(length(patients)), measures = obj(measures), responders = obj(responders)))
  obj(list(
    generated_by = obj(list(r = str(R.version.string), script = str("internal/outcomes/testdata/analyze.R"),
                            input = str(basename(path)))),
    report = report))
  }

  args <- commandArgs(trailingOnly = TRUE)
  for (path in args[-1]) {
    out <- file.path(args[1], sub("\\.csv$", ".golden.json", basename(path)))
    writeLines(analyze(path), out)
}
