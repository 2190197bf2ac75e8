// GARCH(1,1) as posteriordb writes it: beta1's upper bound depends on alpha1. Read by tools/bounds-fixtures.R
// (the dependent-bound fixtures) and tools/stan-side-by-side.R.
data { int<lower=0> T; real y[T]; real<lower=0> sigma1; }
parameters { real mu; real<lower=0> alpha0; real<lower=0, upper=1> alpha1; real<lower=0, upper=(1 - alpha1)> beta1; }
model {
  real sigma[T];
  sigma[1] = sigma1;
  for (t in 2:T) sigma[t] = sqrt(alpha0 + alpha1 * pow(y[t - 1] - mu, 2) + beta1 * pow(sigma[t - 1], 2));
  y ~ normal(mu, sigma);
}
