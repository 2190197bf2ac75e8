"""Writes reference/fixtures/inverse/mixture-means.json: the prior means of Hertrich's 50-dimensional mixture problem
(arXiv 2211.17158, Section 4.2), drawn as his script draws them: numpy.random.seed(20), then for each of the 5
components uniform(size=50)*2 - 1. Run: /usr/bin/python3 tools/make-mixture-means.py"""
import json, numpy as np
np.random.seed(20)
means = [(np.random.uniform(size=50) * 2 - 1).tolist() for _ in range(5)]
with open('reference/fixtures/inverse/mixture-means.json', 'w') as f:
    json.dump({'source': 'numpy %s: np.random.seed(20); 5 x (uniform(size=50)*2-1)' % np.__version__, 'weights': [0.2] * 5, 'variance': 0.01, 'noise_sd': 0.05, 'forward_scale': 0.1, 'means': means}, f, indent=1)
