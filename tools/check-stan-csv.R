#!/usr/bin/env Rscript
# Reads the Stan-CSV files the QuickStart writes (dotnet run -c Release --project examples/QuickStart -- --output DIR;
# `inference sample POSTERIOR -o DIR` writes the same)
# the way CmdStan output is read (comment lines skipped, header, draws), summarises them with R's posterior package,
# and compares with the library's summary.json. Usage: Rscript tools/check-stan-csv.R DIR
suppressPackageStartupMessages(library(posterior))
args <- commandArgs(trailingOnly = TRUE)
dir <- if (length(args) > 0) args[1] else "output"
files <- sort(list.files(dir, pattern = "^output_[0-9]+\\.csv$", full.names = TRUE))
stopifnot(length(files) > 0)
chains <- lapply(files, function(f) utils::read.csv(f, comment.char = "#", check.names = FALSE))
stopifnot(all(sapply(chains, function(d) identical(names(d), names(chains[[1]])))))
vars <- setdiff(names(chains[[1]]), c("lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"))
arr <- array(NA_real_, dim = c(nrow(chains[[1]]), length(chains), length(vars)),
             dimnames = list(NULL, NULL, gsub("\\.([0-9]+)", "[\\1]", vars)))
for (c in seq_along(chains)) arr[, c, ] <- as.matrix(chains[[c]][, vars])
draws <- as_draws_array(arr)
s <- summarise_draws(draws, mean, sd, mcse_mean, ~quantile2(.x, probs = c(0.05, 0.5, 0.95)), rhat, ess_bulk, ess_tail)
ours <- jsonlite::fromJSON(file.path(dir, "summary.json"))$variables
m <- merge(as.data.frame(s), ours, by = "variable", suffixes = c(".r", ".ours"))
stopifnot(nrow(m) == length(vars))
rel <- function(a, b) max(abs(a - b) / pmax(1, abs(b)))
report <- c(
  mean = rel(m$mean.r, m$mean.ours), sd = rel(m$sd.r, m$sd.ours), mcse_mean = rel(m$mcse_mean.r, m$mcse_mean.ours),
  q5 = rel(m$q5.r, m$q5.ours), q50 = rel(m$q50.r, m$q50.ours), q95 = rel(m$q95.r, m$q95.ours),
  rhat = rel(m$rhat.r, m$rhat.ours), ess_bulk = rel(m$ess_bulk.r, m$ess_bulk.ours), ess_tail = rel(m$ess_tail.r, m$ess_tail.ours))
cat(sprintf("%d chains x %d draws x %d variables read from %s\n", length(chains), nrow(chains[[1]]), length(vars), dir))
cat("max relative difference, posterior (R) vs Inference, per column (the CSV holds round-trip doubles):\n")
print(signif(report, 3))
if (any(report > 1e-10)) { cat("MISMATCH\n"); quit(status = 1) } else cat("OK\n")
