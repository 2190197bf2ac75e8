"""Writes the gauss100 and logreg targets of reference/fixtures/torch-figures.md as JSON (numpy's generators;
run with Debian's python3-numpy 1.24, the build the PyTorch figures were made with)."""
import json
import sys
import numpy as np

rng = np.random.default_rng(0)
mu = rng.standard_normal(100)
q, r = np.linalg.qr(rng.standard_normal((100, 100)))
q = q * np.sign(np.diag(r))
lam = 10 ** np.linspace(-1.5, 1.5, 100)

rng = np.random.default_rng(1)
x = rng.standard_normal((1000, 25))
w_true = rng.standard_normal(25)
y = (rng.random(1000) < 1 / (1 + np.exp(-(x @ w_true)))).astype(int)

json.dump({
    "source": "tools/make-torch-targets.py, numpy " + np.__version__,
    "gauss100": {"mu": mu.tolist(), "q": q.flatten().tolist(), "eigenvalues": lam.tolist()},
    "logreg": {"x": x.flatten().tolist(), "y": y.tolist(), "n": 1000, "d": 25},
}, open(sys.argv[1], "w"), indent=None)
