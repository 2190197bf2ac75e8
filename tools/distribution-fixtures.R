#!/usr/bin/env Rscript
# Generates reference/fixtures/distributions/stan-lpdf.json: Stan's own log densities and log masses (the _lpdf/_lpmf
# functions, every constant kept) of the distributions the library added for issue 16, on a grid of parameters and
# points, computed in one Stan program's generated quantities (algorithm = "Fixed_param"). Zero-inflated Poisson and
# negative binomial have no Stan function: they are written as the Stan manual writes them. Doubles are written with
# 17 significant digits. Usage (from the repository root; R with rstan, see /work/shared/tools/install-r-stan.sh):
#   Rscript tools/distribution-fixtures.R reference/fixtures/distributions
suppressPackageStartupMessages(library(rstan))
args <- commandArgs(trailingOnly = TRUE)
out_dir <- if (length(args) > 0) args[1] else "reference/fixtures/distributions"
dir.create(out_dir, showWarnings = FALSE, recursive = TRUE)
rstan_options(auto_write = FALSE)

# JSON: numbers with 17 significant digits, vectors as arrays, matrices as lists of rows, named lists as objects
js <- function(x) {
  if (is.list(x)) return(paste0("{", paste0("\"", names(x), "\": ", sapply(x, js), collapse = ", "), "}"))
  if (is.character(x)) return(paste0("\"", x, "\""))
  if (is.matrix(x)) return(paste0("[", paste(apply(x, 1, function(r) js(as.numeric(r))), collapse = ", "), "]"))
  v <- ifelse(is.finite(x), sprintf("%.17g", x), "null")
  if (length(x) == 1 && is.null(attr(x, "vector"))) v else paste0("[", paste(v, collapse = ", "), "]")
}
vec <- function(x) structure(x, vector = TRUE)

grid <- function(params, ys) {
  g <- expand.grid(c(list(y = ys), params), KEEP.OUT.ATTRS = FALSE)
  g[order(g[[2]]), , drop = FALSE]
}

vm <- grid(list(mu = c(0, 1, -2, 0.3), kappa = c(0.5, 2, 30, 100)), c(-3, -0.5, 0, 1.2, 3))
sn <- rbind(grid(list(xi = 0, omega = 1, alpha = 0), c(-3, -0.4, 0, 1.1, 4)),
            grid(list(xi = 1, omega = 2, alpha = 3), c(-3, -0.4, 0, 1.1, 4)),
            grid(list(xi = -1, omega = 1.5, alpha = -2), c(-3, -0.4, 0, 1.1, 4)))
gu <- rbind(grid(list(mu = 0, beta = 1), c(-2, 0, 0.7, 3, 8)), grid(list(mu = 1, beta = 2.5), c(-2, 0, 0.7, 3, 8)))
pa <- rbind(grid(list(ymin = 1, alpha = 2), c(1, 1.5, 3, 10)), grid(list(ymin = 0.5, alpha = 0.8), c(0.5, 1.5, 3, 10)))
cs <- grid(list(nu = c(1, 3.5, 10)), c(0.05, 0.3, 1, 2.7, 9))
fr <- rbind(grid(list(alpha = 1.5, sigma = 1), c(0.3, 1, 2.5, 9)), grid(list(alpha = 3, sigma = 2), c(0.3, 1, 2.5, 9)))
ra <- grid(list(sigma = c(0.5, 2)), c(0.05, 0.3, 1, 2.7, 9))
bb <- rbind(grid(list(N = 10, a = 2, b = 3), c(0, 1, 4, 7, 10)), grid(list(N = 25, a = 0.5, b = 0.8), c(0, 1, 4, 7, 25)))
zip <- rbind(grid(list(theta = 0.2, lambda = 3), c(0, 1, 2, 5, 13)), grid(list(theta = 0.6, lambda = 0.5), c(0, 1, 2, 5, 13)))
zinb <- rbind(grid(list(theta = 0.2, mu = 3, phi = 2), c(0, 1, 2, 5, 13)), grid(list(theta = 0.5, mu = 10, phi = 0.7), c(0, 1, 2, 5, 13)))
ol_c <- c(-1, 0.5, 2)
ol <- grid(list(eta = c(-2, 0, 1.3)), 1:4)
mn_theta <- c(0.2, 0.5, 0.3)
mn_y <- rbind(c(2, 5, 3), c(0, 0, 4), c(10, 1, 0))
p <- 3L
S1 <- matrix(c(2, 0.3, -0.4, 0.3, 1, 0.2, -0.4, 0.2, 1.5), 3, 3)
S2 <- matrix(c(1, -0.5, 0, -0.5, 2, 0.6, 0, 0.6, 0.8), 3, 3)
W1 <- matrix(c(3, 0.5, 0.1, 0.5, 2, -0.3, 0.1, -0.3, 1.2), 3, 3)
W2 <- matrix(c(0.8, 0.1, 0.05, 0.1, 0.6, 0, 0.05, 0, 0.4), 3, 3)
W3 <- matrix(c(6, -1, 2, -1, 4, 0.5, 2, 0.5, 3), 3, 3)
mats <- list(W1, W2, W3)
w <- expand.grid(W = 1:3, nu = c(3.5, 7), S = 1:2)
arr3 <- function(ms) { a <- array(NA_real_, dim = c(length(ms), p, p)); for (i in seq_along(ms)) a[i, , ] <- ms[[i]]; a }
mt_y <- rbind(c(0.5, -1, 2), c(0, 0, 0), c(3, 1, -2))
mt <- expand.grid(Y = 1:3, nu = c(3, 12))
mt_mu <- c(0.2, -0.5, 1)

code <- "
data {
  int N_vm; vector[N_vm] vm_y; vector[N_vm] vm_mu; vector[N_vm] vm_kappa;
  int N_sn; vector[N_sn] sn_y; vector[N_sn] sn_xi; vector[N_sn] sn_omega; vector[N_sn] sn_alpha;
  int N_gu; vector[N_gu] gu_y; vector[N_gu] gu_mu; vector[N_gu] gu_beta;
  int N_pa; vector[N_pa] pa_y; vector[N_pa] pa_ymin; vector[N_pa] pa_alpha;
  int N_cs; vector[N_cs] cs_y; vector[N_cs] cs_nu;
  int N_fr; vector[N_fr] fr_y; vector[N_fr] fr_alpha; vector[N_fr] fr_sigma;
  int N_ra; vector[N_ra] ra_y; vector[N_ra] ra_sigma;
  int N_bb; int bb_y[N_bb]; int bb_N[N_bb]; vector[N_bb] bb_a; vector[N_bb] bb_b;
  int N_zip; int zip_y[N_zip]; vector[N_zip] zip_theta; vector[N_zip] zip_lambda;
  int N_zinb; int zinb_y[N_zinb]; vector[N_zinb] zinb_theta; vector[N_zinb] zinb_mu; vector[N_zinb] zinb_phi;
  int N_ol; int ol_K; int ol_y[N_ol]; vector[N_ol] ol_eta; vector[ol_K - 1] ol_c;
  int mn_K; int N_mn; int mn_y[N_mn, mn_K]; vector[mn_K] mn_theta;
  int p; int N_w; matrix[p, p] w_W[N_w]; real w_nu[N_w]; matrix[p, p] w_S[N_w];
  int N_mt; vector[p] mt_y[N_mt]; real mt_nu[N_mt]; vector[p] mt_mu; matrix[p, p] mt_S;
}
generated quantities {
  vector[N_vm] vm; vector[N_sn] sn; vector[N_gu] gu; vector[N_pa] pa; vector[N_cs] cs; vector[N_fr] fr; vector[N_ra] ra;
  vector[N_bb] bb; vector[N_zip] zip; vector[N_zinb] zinb; vector[N_ol] ol; vector[N_mn] mn;
  vector[N_w] wi; vector[N_w] iw; vector[N_mt] mt;
  for (n in 1:N_vm) vm[n] = von_mises_lpdf(vm_y[n] | vm_mu[n], vm_kappa[n]);
  for (n in 1:N_sn) sn[n] = skew_normal_lpdf(sn_y[n] | sn_xi[n], sn_omega[n], sn_alpha[n]);
  for (n in 1:N_gu) gu[n] = gumbel_lpdf(gu_y[n] | gu_mu[n], gu_beta[n]);
  for (n in 1:N_pa) pa[n] = pareto_lpdf(pa_y[n] | pa_ymin[n], pa_alpha[n]);
  for (n in 1:N_cs) cs[n] = chi_square_lpdf(cs_y[n] | cs_nu[n]);
  for (n in 1:N_fr) fr[n] = frechet_lpdf(fr_y[n] | fr_alpha[n], fr_sigma[n]);
  for (n in 1:N_ra) ra[n] = rayleigh_lpdf(ra_y[n] | ra_sigma[n]);
  for (n in 1:N_bb) bb[n] = beta_binomial_lpmf(bb_y[n] | bb_N[n], bb_a[n], bb_b[n]);
  for (n in 1:N_zip) {
    if (zip_y[n] == 0)
      zip[n] = log_sum_exp(bernoulli_lpmf(1 | zip_theta[n]), bernoulli_lpmf(0 | zip_theta[n]) + poisson_lpmf(0 | zip_lambda[n]));
    else
      zip[n] = bernoulli_lpmf(0 | zip_theta[n]) + poisson_lpmf(zip_y[n] | zip_lambda[n]);
  }
  for (n in 1:N_zinb) {
    if (zinb_y[n] == 0)
      zinb[n] = log_sum_exp(bernoulli_lpmf(1 | zinb_theta[n]), bernoulli_lpmf(0 | zinb_theta[n]) + neg_binomial_2_lpmf(0 | zinb_mu[n], zinb_phi[n]));
    else
      zinb[n] = bernoulli_lpmf(0 | zinb_theta[n]) + neg_binomial_2_lpmf(zinb_y[n] | zinb_mu[n], zinb_phi[n]);
  }
  for (n in 1:N_ol) ol[n] = ordered_logistic_lpmf(ol_y[n] | ol_eta[n], ol_c);
  for (n in 1:N_mn) mn[n] = multinomial_lpmf(mn_y[n] | mn_theta);
  for (n in 1:N_w) { wi[n] = wishart_lpdf(w_W[n] | w_nu[n], w_S[n]); iw[n] = inv_wishart_lpdf(w_W[n] | w_nu[n], w_S[n]); }
  for (n in 1:N_mt) mt[n] = multi_student_t_lpdf(mt_y[n] | mt_nu[n], mt_mu, mt_S);
}"

data <- list(
  N_vm = nrow(vm), vm_y = vm$y, vm_mu = vm$mu, vm_kappa = vm$kappa,
  N_sn = nrow(sn), sn_y = sn$y, sn_xi = sn$xi, sn_omega = sn$omega, sn_alpha = sn$alpha,
  N_gu = nrow(gu), gu_y = gu$y, gu_mu = gu$mu, gu_beta = gu$beta,
  N_pa = nrow(pa), pa_y = pa$y, pa_ymin = pa$ymin, pa_alpha = pa$alpha,
  N_cs = nrow(cs), cs_y = cs$y, cs_nu = cs$nu,
  N_fr = nrow(fr), fr_y = fr$y, fr_alpha = fr$alpha, fr_sigma = fr$sigma,
  N_ra = nrow(ra), ra_y = ra$y, ra_sigma = ra$sigma,
  N_bb = nrow(bb), bb_y = as.integer(bb$y), bb_N = as.integer(bb$N), bb_a = bb$a, bb_b = bb$b,
  N_zip = nrow(zip), zip_y = as.integer(zip$y), zip_theta = zip$theta, zip_lambda = zip$lambda,
  N_zinb = nrow(zinb), zinb_y = as.integer(zinb$y), zinb_theta = zinb$theta, zinb_mu = zinb$mu, zinb_phi = zinb$phi,
  N_ol = nrow(ol), ol_K = 4L, ol_y = as.integer(ol$y), ol_eta = ol$eta, ol_c = ol_c,
  mn_K = 3L, N_mn = nrow(mn_y), mn_y = mn_y, mn_theta = mn_theta,
  p = p, N_w = nrow(w), w_W = arr3(mats[w$W]), w_nu = w$nu, w_S = arr3(list(S1, S2)[w$S]),
  N_mt = nrow(mt), mt_y = mt_y[mt$Y, , drop = FALSE], mt_nu = mt$nu, mt_mu = mt_mu, mt_S = S1)

sm <- stan_model(model_code = code, model_name = "distribution_fixtures")
fit <- sampling(sm, data = data, algorithm = "Fixed_param", iter = 1, warmup = 0, chains = 1, refresh = 0, seed = 1)
draw <- as.matrix(fit)
gq <- function(name, n) as.numeric(draw[1, paste0(name, "[", seq_len(n), "]")])

cases <- list()
add <- function(dist, params, x, lpdf) cases[[length(cases) + 1]] <<- list(dist = dist, params = params, x = x, lpdf = lpdf)
uni <- function(dist, g, out, names) {
  values <- gq(out, nrow(g))
  for (i in seq_len(nrow(g))) add(dist, setNames(as.list(as.numeric(g[i, names])), names), g$y[i], values[i])
}
uni("von_mises", vm, "vm", c("mu", "kappa"))
uni("skew_normal", sn, "sn", c("xi", "omega", "alpha"))
uni("gumbel", gu, "gu", c("mu", "beta"))
uni("pareto", pa, "pa", c("ymin", "alpha"))
uni("chi_square", cs, "cs", c("nu"))
uni("frechet", fr, "fr", c("alpha", "sigma"))
uni("rayleigh", ra, "ra", c("sigma"))
uni("beta_binomial", bb, "bb", c("N", "a", "b"))
uni("zero_inflated_poisson", zip, "zip", c("theta", "lambda"))
uni("zero_inflated_neg_binomial_2", zinb, "zinb", c("theta", "mu", "phi"))
olv <- gq("ol", nrow(ol))
for (i in seq_len(nrow(ol))) add("ordered_logistic", list(eta = ol$eta[i], c = vec(ol_c)), ol$y[i], olv[i])
mnv <- gq("mn", nrow(mn_y))
for (i in seq_len(nrow(mn_y))) add("multinomial", list(theta = vec(mn_theta)), vec(mn_y[i, ]), mnv[i])
wv <- gq("wi", nrow(w)); iwv <- gq("iw", nrow(w))
for (i in seq_len(nrow(w))) {
  add("wishart", list(nu = w$nu[i], Sigma = list(S1, S2)[[w$S[i]]]), mats[[w$W[i]]], wv[i])
  add("inv_wishart", list(nu = w$nu[i], Sigma = list(S1, S2)[[w$S[i]]]), mats[[w$W[i]]], iwv[i])
}
mtv <- gq("mt", nrow(mt))
for (i in seq_len(nrow(mt))) add("multi_student_t", list(nu = mt$nu[i], mu = vec(mt_mu), Sigma = S1), vec(mt_y[mt$Y[i], ]), mtv[i])

body <- paste0("  ", sapply(cases, js), collapse = ",\n")
writeLines(paste0("{\n\"generated_by\": \"tools/distribution-fixtures.R\",\n",
  "\"software\": ", js(list(R = R.version.string, rstan = as.character(packageVersion("rstan")), stan = stan_version())), ",\n",
  "\"note\": \"Stan's _lpdf/_lpmf (all constants kept) at x given the params; ordered_logistic's x is Stan's 1-based outcome; matrices are lists of rows.\",\n",
  "\"cases\": [\n", body, "\n]\n}"), file.path(out_dir, "stan-lpdf.json"))
cat(length(cases), "cases written\n")
