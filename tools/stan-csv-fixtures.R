#!/usr/bin/env Rscript
# Writes the Stan-CSV fixtures of reference/fixtures/stan-csv: rstan's own sample files of the non-centered eight
# schools (4 chains x 200 draws after 300 warmup, seed 20241201), and, for that folder and for ours/ (written by
# `inference sample reference/posteriors/eight_schools-eight_schools_noncentered --warmup 300 --draws 200 --seed 7`),
# R posterior's summary of the files as read by rstan::read_stan_csv, in summary.json.
# Usage: Rscript tools/stan-csv-fixtures.R   (from the repository root; R with rstan and posterior)
suppressPackageStartupMessages({ library(rstan); library(posterior) })
root <- "reference/fixtures/stan-csv"
code <- "
data { int<lower=0> J; real y[J]; real<lower=0> sigma[J]; }
parameters { vector[J] theta_trans; real mu; real<lower=0> tau; }
transformed parameters { vector[J] theta = mu + tau * theta_trans; }
model { theta_trans ~ normal(0, 1); y ~ normal(theta, sigma); mu ~ normal(0, 5); tau ~ cauchy(0, 5); }
"
data <- jsonlite::fromJSON("reference/posteriors/eight_schools-eight_schools_noncentered/data.json")
dir.create(file.path(root, "rstan"), showWarnings = FALSE, recursive = TRUE)
fit <- stan(model_code = code, data = data, chains = 4, iter = 500, warmup = 300, seed = 20241201, refresh = 0,
            sample_file = file.path(root, "rstan", "samples.csv"))
# one digit format for every double: the fewest of 15-17 significant digits that read back exactly
exact <- function(x) vapply(x, function(v) {
  if (is.na(v)) return("null")
  for (d in 15:17) { s <- formatC(v, digits = d, format = "g"); if (as.numeric(s) == v) return(s) }
  formatC(v, digits = 17, format = "g")
}, "")
write_summary <- function(folder) {
  files <- sort(list.files(folder, pattern = "\\.csv$", full.names = TRUE))
  draws <- as_draws_array(rstan::read_stan_csv(files))
  s <- summarise_draws(draws, mean, sd, mcse_mean, ~quantile2(.x, probs = c(0.05, 0.5, 0.95)), rhat, ess_bulk, ess_tail)
  cols <- c("mean", "sd", "mcse_mean", "q5", "q50", "q95", "rhat", "ess_bulk", "ess_tail")
  rows <- vapply(seq_len(nrow(s)), function(i) {
    fields <- vapply(cols, function(c) sprintf("\"%s\": %s", c, exact(s[[c]][i])), "")
    sprintf("    {\"variable\": \"%s\", %s}", s$variable[i], paste(fields, collapse = ", "))
  }, "")
  header <- sprintf("  \"files\": [%s],\n  \"versions\": \"R %s, rstan %s, posterior %s\",\n",
                    paste(sprintf("\"%s\"", basename(files)), collapse = ", "), getRversion(), packageVersion("rstan"), packageVersion("posterior"))
  writeLines(c("{", paste0(header, "  \"variables\": ["), paste(rows, collapse = ",\n"), "  ]", "}"), file.path(folder, "summary.json"))
  cat(sprintf("%s: %d files, %d variables\n", folder, length(files), nrow(s)))
}
write_summary(file.path(root, "ours"))
write_summary(file.path(root, "rstan"))
