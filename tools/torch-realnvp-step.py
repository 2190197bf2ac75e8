"""Times PyTorch on the RealNVP reverse-KL training step of reference/fixtures/torch-figures.md, on this machine, now.

The flow is normflows' "realnvp" rebuilt from plain torch modules (normflows is not installable here): 8 x [affine
coupling with MLP([ceil(D/2), 64, 64, 2*floor(D/2)]) (ReLU, zero last layer), shift/scale interleaved, scale 'exp';
shuffle permutation] + elementwise affine; base N(0, I) not trained; batch 256; target -|x|^2/2 (as in
VariationalBenchmarks); Adam 1e-3. It records the same ops as normflows minus normflows' Python-level wrappers, so it
is, if anything, faster than normflows. Prints the median and 10th percentile of single steps after a warm-up.

Usage (Debian's python3-torch 1.13 with OpenBLAS, the build the figures were made with):
    /usr/bin/python3 tools/torch-realnvp-step.py D threads [steps] [f64]
Compare with `dotnet run -c Release --project Inference.Benchmarks -- quick steps D`, interleaving the two.
"""
import sys, time, math, torch

def blas_in_use():
    """The BLAS library this process loaded (Debian's torch calls whatever libblas.so.3 resolves to; the reference
    BLAS is 20-60x slower than OpenBLAS on these shapes, so a timing without OpenBLAS is no comparison)."""
    libs = {line.split()[-1] for line in open('/proc/self/maps') if 'blas' in line.split()[-1]}
    return ', '.join(sorted(libs)) or 'unknown'
torch.manual_seed(0)
D = int(sys.argv[1]); threads = int(sys.argv[2]); reps = int(sys.argv[3]) if len(sys.argv) > 3 else 300
dtype = torch.float64 if (len(sys.argv) > 4 and sys.argv[4] == 'f64') else torch.float32
torch.set_num_threads(threads)
class MLP(torch.nn.Module):
    def __init__(s, sizes):
        super().__init__(); layers = []
        for i in range(len(sizes) - 1):
            layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
            if i < len(sizes) - 2: layers.append(torch.nn.LeakyReLU(0.0))
        torch.nn.init.zeros_(layers[-1].weight); torch.nn.init.zeros_(layers[-1].bias)
        s.net = torch.nn.Sequential(*layers)
    def forward(s, x): return s.net(x)
class Coupling(torch.nn.Module):
    def __init__(s, d):
        super().__init__(); s.a = (d + 1) // 2; s.nn = MLP([s.a, 64, 64, 2 * (d - s.a)])
    def forward(s, z):
        z1, z2 = z[:, :s.a], z[:, s.a:]
        p = s.nn(z1); shift, scale = p[:, 0::2], p[:, 1::2]
        z2 = z2 * torch.exp(scale) + shift
        return torch.cat([z1, z2], 1), scale.sum(1)
class Flow(torch.nn.Module):
    def __init__(s, d):
        super().__init__()
        s.c = torch.nn.ModuleList([Coupling(d) for _ in range(8)])
        s.perms = [torch.randperm(d) for _ in range(8)]
        s.s = torch.nn.Parameter(torch.zeros(d)); s.t = torch.nn.Parameter(torch.zeros(d))
    def forward(s, z):
        ld = torch.zeros(z.shape[0], dtype=z.dtype)
        for c, p in zip(s.c, s.perms):
            z, l = c(z); ld = ld + l; z = z[:, p]
        return z * torch.exp(s.s) + s.t, ld + s.s.sum()
flow = Flow(D).to(dtype); opt = torch.optim.Adam(flow.parameters(), lr=1e-3)
def step():
    z = torch.randn(256, D, dtype=dtype)
    logq = -0.5 * (z * z).sum(1) - 0.5 * D * math.log(2 * math.pi)
    x, ld = flow(z); logq = logq - ld
    logp = -0.5 * (x * x).sum(1)
    loss = logq.mean() - logp.mean()
    opt.zero_grad(); loss.backward(); opt.step()
for _ in range(reps // 4): step()
ts = []
for _ in range(reps):
    t0 = time.perf_counter(); step(); ts.append(time.perf_counter() - t0)
ts.sort()
print(f"torch {str(dtype)[6:]} D={D} threads={threads}: median {ts[len(ts)//2]*1e3:.3f} ms, p10 {ts[len(ts)//10]*1e3:.3f} ms [BLAS: {blas_in_use()}]")
