"""Times PyTorch on the residual-flow reverse-KL training step of reference/fixtures/torch-figures.md, here and now.

The flow is normflows' "resflow" rebuilt from plain torch modules (normflows is not installable here): 8 x Residual(
LipschitzMLP([D, 64, 64, D], lipschitz_const=0.9, LipSwish, zero last layer)) + elementwise affine; base N(0, I);
batch 256; target -|x|^2/2 (as the RealNVP script and VariationalBenchmarks); Adam 1e-3. Spectral normalization takes
one power-iteration step per training pass (as this library; normflows' default takes up to 5). The log-determinant is
the one normflows trains with: Russian roulette (geometric p = 0.5, 2 exact terms, 1 Gaussian probe) with the
Neumann-series gradient (a vector-Jacobian product kept in the graph, i.e. double backward), or, with `exact`, the
batched Jacobian (D vector-Jacobian products in the graph, then slogdet), which this library uses for D <= 16.
Prints the median and 10th percentile of single steps after a warm-up.

BLAS: Debian's python3-torch calls the system libblas.so.3. Time it with OpenBLAS (apt-get install
libopenblas0-pthread, or point LD_LIBRARY_PATH at an unpacked libopenblas0-pthread's openblas-pthread directory); the
line printed names the library that was loaded. The reference BLAS is 20-60x slower on these shapes.

Usage: /usr/bin/python3 tools/torch-resflow-step.py D threads [steps] [roulette|exact] [f64]
Compare with `dotnet run -c Release --project Inference.Benchmarks -- quick flow resflow-roulette D` (or resflow-exact),
interleaving the two.
"""
import sys, time, math, torch

def blas_in_use():
    """The BLAS library this process loaded (Debian's torch calls whatever libblas.so.3 resolves to; the reference
    BLAS is 20-60x slower than OpenBLAS on these shapes, so a timing without OpenBLAS is no comparison)."""
    libs = {line.split()[-1] for line in open('/proc/self/maps') if 'blas' in line.split()[-1]}
    return ', '.join(sorted(libs)) or 'unknown'
torch.manual_seed(0)
D = int(sys.argv[1]); threads = int(sys.argv[2]); reps = int(sys.argv[3]) if len(sys.argv) > 3 else 100
mode = sys.argv[4] if len(sys.argv) > 4 else 'roulette'
dtype = torch.float64 if (len(sys.argv) > 5 and sys.argv[5] == 'f64') else torch.float32
torch.set_num_threads(threads)

class SpectralLinear(torch.nn.Module):
    def __init__(s, i, o, c, zero=False):
        super().__init__()
        lin = torch.nn.Linear(i, o)
        if zero: torch.nn.init.zeros_(lin.weight); torch.nn.init.zeros_(lin.bias)
        s.weight = torch.nn.Parameter(lin.weight.data.clone()); s.bias = torch.nn.Parameter(lin.bias.data.clone())
        s.c = c
        s.register_buffer('u', torch.nn.functional.normalize(torch.randn(o), dim=0))
        s.register_buffer('v', torch.zeros(i))
    def forward(s, x):
        w = s.weight
        if s.training:
            with torch.no_grad():
                v = torch.nn.functional.normalize(w.t() @ s.u, dim=0)
                u = torch.nn.functional.normalize(w @ v, dim=0)
                if torch.isfinite(u).all() and u.norm() > 0: s.u.copy_(u); s.v.copy_(v)
        sigma = s.u @ w @ s.v
        w = w * (s.c / sigma) if sigma > s.c else w
        return torch.nn.functional.linear(x, w, s.bias)

class LipSwish(torch.nn.Module):
    def __init__(s):
        super().__init__(); s.beta = torch.nn.Parameter(torch.tensor([0.5]))
    def forward(s, x): return x * torch.sigmoid(x * torch.nn.functional.softplus(s.beta)) / 1.1

class Residual(torch.nn.Module):
    def __init__(s, d):
        super().__init__()
        s.g = torch.nn.Sequential(SpectralLinear(d, 64, 0.9), LipSwish(), SpectralLinear(64, 64, 0.9), LipSwish(), SpectralLinear(64, d, 0.9, zero=True))
    def forward(s, z):
        if not z.requires_grad: z = z.requires_grad_(True)
        gz = s.g(z)
        if mode == 'exact':
            jac = torch.stack([torch.autograd.grad(gz[:, i].sum(), z, create_graph=True)[0] for i in range(z.shape[1])], 1)
            logdet = torch.slogdet(jac + torch.eye(z.shape[1], dtype=z.dtype))[1]
        else:
            n = int(torch.distributions.Geometric(0.5).sample().item()) + 1
            terms = n + 2
            v = torch.randn_like(z)
            w = v; est = 0; neumann = torch.zeros_like(z)
            for k in range(1, terms + 1):
                coeff = 1.0 if k - 2 <= 1 else 2.0 ** (k - 3)
                sign = 1.0 if k % 2 == 1 else -1.0
                neumann = neumann + sign * coeff * w
                w = torch.autograd.grad(gz, z, w, retain_graph=True)[0]
                est = est + sign * coeff / k * (w * v).sum(1)
            vjp = torch.autograd.grad(gz, z, neumann.detach(), create_graph=True)[0]
            surrogate = (vjp * v).sum(1)
            logdet = est.detach() + surrogate - surrogate.detach()
        return z + gz, logdet

class Flow(torch.nn.Module):
    def __init__(s, d):
        super().__init__()
        s.blocks = torch.nn.ModuleList([Residual(d) for _ in range(8)])
        s.s = torch.nn.Parameter(torch.zeros(d)); s.t = torch.nn.Parameter(torch.zeros(d))
    def forward(s, z):
        ld = torch.zeros(z.shape[0], dtype=z.dtype)
        for b in s.blocks:
            z, l = b(z); ld = ld + l
        return z * torch.exp(s.s) + s.t, ld + s.s.sum()

flow = Flow(D).to(dtype); opt = torch.optim.Adam(flow.parameters(), lr=1e-3)
def step():
    z = torch.randn(256, D, dtype=dtype)
    logq = -0.5 * (z * z).sum(1) - 0.5 * D * math.log(2 * math.pi)
    x, ld = flow(z); logq = logq - ld
    logp = -0.5 * (x * x).sum(1)
    loss = logq.mean() - logp.mean()
    opt.zero_grad(); loss.backward(); opt.step()
for _ in range(max(1, reps // 4)): step()
ts = []
for _ in range(reps):
    t0 = time.perf_counter(); step(); ts.append(time.perf_counter() - t0)
ts.sort()
print(f"torch {str(dtype)[6:]} resflow {mode} D={D} threads={threads}: median {ts[len(ts)//2]*1e3:.3f} ms, p10 {ts[len(ts)//10]*1e3:.3f} ms [BLAS: {blas_in_use()}]")
