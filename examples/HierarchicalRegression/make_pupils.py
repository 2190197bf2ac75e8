"""Writes pupils.csv: 200 pupils in 10 schools of unequal size; three standardized predictors (prior grade,
absences, hours of homework); pass (1) or fail (0) drawn from a logistic model with a varying school intercept.
Run: /usr/bin/python3 make_pupils.py (Debian's python3 with numpy; seed 2026)."""
import numpy as np

rng = np.random.default_rng(2026)
schools = 10
sizes = rng.multinomial(200 - 5 * schools, np.ones(schools) / schools) + 5
intercepts = 0.3 + 0.8 * rng.standard_normal(schools)
beta = np.array([0.9, -0.6, 0.4])
with open("pupils.csv", "w") as f:
    f.write("school,prior_grade,absences,homework,passed\n")
    for s in range(schools):
        for _ in range(sizes[s]):
            x = rng.standard_normal(3) + np.array([0.3 * intercepts[s], 0, 0])
            p = 1 / (1 + np.exp(-(intercepts[s] + x @ beta)))
            f.write(f"{s},{x[0]:.3f},{x[1]:.3f},{x[2]:.3f},{int(rng.random() < p)}\n")
