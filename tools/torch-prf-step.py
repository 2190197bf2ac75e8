"""Times PyTorch on one maximum-likelihood training step of the conditional proximal residual flow of Hertrich's
50-dimensional mixture problem (arXiv 2211.17158; his code johertrich/Proximal_Residual_Flows, rebuilt here in plain
torch, which is installable here while his TensorFlow is not), the §6 sizes: d = 50, y of 50, batch 200, 20 blocks,
K = 3 PNN layers of 128 units, gamma = 1.99, reproduce 2, per-block scale (init 2), condition network Dense(256, ReLU) ->
Dense(50), ActNorm after each block, Adam 5e-3, loss 0.5*|T(x; y)|^2/B - logdet/B + orthogonality penalty. As his code:
weights projected by 4 steps of Y <- 2Y(I + Y^T Y)^-1 before each use (torch.linalg.inv), and the exact log-determinant
from the batched Jacobian of each block (torch.autograd.functional.jacobian, vectorized, in the graph) and slogdet.
Prints the median and 10th percentile of single steps after a warm-up.

BLAS: Debian's python3-torch calls the system libblas.so.3. Time it with OpenBLAS (apt-get install
libopenblas0-pthread, or point LD_LIBRARY_PATH at an unpacked libopenblas0-pthread's openblas-pthread directory); the
line printed names the library that was loaded. The reference BLAS is 20-60x slower on these shapes.

Usage: /usr/bin/python3 tools/torch-prf-step.py threads [steps] [blocks] [hidden] [vectorized|loop|roulette] [f64]
("loop": the Jacobian as D separate vector-Jacobian products in the graph, as TensorFlow's batch_jacobian without pfor;
"roulette": instead of the exact log-det, the rescaled Russian-roulette power series with one Hutchinson probe and the
Neumann-series gradient, as Inference's ResidualLogDet.RussianRoulette: T = kappa(I + M), kappa = 1 + gamma(1 - t),
M = (gamma J_Phi - (kappa - 1) I)/kappa, log det = D log kappa + sum_k (-1)^(k+1) v^T M^k v / (k P(N >= k - 2)),
N ~ Geometric(1/2) on n >= 1, two terms always kept; gradient through the surrogate (gamma/kappa) w^T J_Phi v.)
Compare with `dotnet run -c Release --project Inference.Benchmarks -- quick prf [blocks] [hidden]`, interleaving the two.
"""
import sys, time, math, torch

def blas_in_use():
    """The BLAS library this process loaded (Debian's torch calls whatever libblas.so.3 resolves to; the reference
    BLAS is 20-60x slower than OpenBLAS on these shapes, so a timing without OpenBLAS is no comparison)."""
    libs = {line.split()[-1] for line in open('/proc/self/maps') if 'blas' in line.split()[-1]}
    return ', '.join(sorted(libs)) or 'unknown'
torch.manual_seed(0)
threads = int(sys.argv[1]); reps = int(sys.argv[2]) if len(sys.argv) > 2 else 5
blocks = int(sys.argv[3]) if len(sys.argv) > 3 else 20; hidden = int(sys.argv[4]) if len(sys.argv) > 4 else 128
jacobian_mode = sys.argv[5] if len(sys.argv) > 5 else 'vectorized'
dtype = torch.float64 if (len(sys.argv) > 6 and sys.argv[6] == 'f64') else torch.float32
torch.set_num_threads(threads)
D, M, R, K, GAMMA, B = 50, 50, 2, 3, 1.99, 200

def proj_orth(y, steps=4):
    tall = y.shape[0] >= y.shape[1]
    z = y if tall else y.t()
    for _ in range(steps):
        z = 2 * z @ torch.linalg.inv(torch.eye(z.shape[1], dtype=z.dtype) + z.t() @ z)
    return z if tall else z.t()

class Block(torch.nn.Module):
    def __init__(s):
        super().__init__()
        width = R * D + M
        s.mats = torch.nn.ParameterList([torch.nn.Parameter(torch.nn.init.orthogonal_(torch.empty(hidden, width))) for _ in range(K)])
        s.biases = torch.nn.ParameterList([torch.nn.Parameter(torch.zeros(hidden)) for _ in range(K)])
        s.factor = torch.nn.Parameter(torch.tensor(2.0))
        s.cond = torch.nn.Sequential(torch.nn.Linear(M, 256), torch.nn.ReLU(), torch.nn.Linear(256, M))
        s.scale = torch.nn.Parameter(torch.zeros(D)); s.shift = torch.nn.Parameter(torch.zeros(D))  # ActNorm
    def net(s, x, c, mats):
        e = torch.exp(s.factor)
        u = torch.cat([(e * x).repeat(1, R), c], 1)
        for a, b in zip(mats, s.biases):
            u = torch.nn.functional.elu(u @ a.t() + b) @ a
        return u[:, :R * D].reshape(-1, R, D).mean(1) / e
    def forward(s, x, y):
        mats = [proj_orth(a) for a in s.mats]
        c = s.cond(y)
        g = s.net(x, c, mats)
        if jacobian_mode == 'roulette':
            xv = x if x.requires_grad else x.detach().requires_grad_(True)
            g = s.net(xv, c, mats)
            t = K / (K + 1.0); kappa = 1 + GAMMA * (1 - t)
            terms = 2 + int(torch.distributions.Geometric(0.5).sample().item()) + 1
            v = torch.randn_like(xv); cur = v; neumann = torch.zeros_like(xv); est = torch.zeros(xv.shape[0], dtype=xv.dtype)
            for k in range(1, terms + 1):
                weight = 1.0 if k - 2 <= 1 else 2.0 ** (k - 3); sign = 1.0 if k % 2 == 1 else -1.0
                neumann = neumann + sign * weight * cur
                jt = torch.autograd.grad(g, xv, cur, retain_graph=True)[0]
                cur = (GAMMA * jt - (kappa - 1) * cur) / kappa
                est = est + sign * weight / k * (cur * v).sum(1)
            surrogate = (GAMMA / kappa) * (torch.autograd.grad(g, xv, neumann.detach(), create_graph=True)[0] * v).sum(1)
            z = xv + GAMMA * g
            logdet = D * math.log(kappa) + est.detach() - surrogate.detach() + surrogate
            return z * torch.exp(s.scale) + s.shift, logdet + s.scale.sum()
        if jacobian_mode == 'loop':
            xv = x if x.requires_grad else x.detach().requires_grad_(True)
            g = s.net(xv, c, mats)
            jac = torch.stack([torch.autograd.grad(g[:, i].sum(), xv, create_graph=True)[0] for i in range(D)], 1)  # [B, D, D]
            x = xv
        else:
            jac = torch.autograd.functional.jacobian(lambda v: s.net(v, c, mats).sum(0), x, create_graph=True, vectorize=True)  # [D, B, D]
            jac = jac.permute(1, 0, 2)
        logdet = torch.slogdet(torch.eye(D, dtype=x.dtype) + GAMMA * jac)[1]
        z = x + GAMMA * g
        return z * torch.exp(s.scale) + s.shift, logdet + s.scale.sum()

flow = torch.nn.ModuleList([Block() for _ in range(blocks)]).to(dtype)
opt = torch.optim.Adam(flow.parameters(), lr=5e-3)
means = torch.rand(5, D, dtype=dtype) * 2 - 1
fwd = torch.tensor([0.1 / (i + 1) for i in range(D)], dtype=dtype)
def step():
    x = means[torch.randint(0, 5, (B,))] + 0.1 * torch.randn(B, D, dtype=dtype)
    y = x * fwd + 0.05 * torch.randn(B, D, dtype=dtype)
    z, ld = x, torch.zeros(B, dtype=dtype)
    for b in flow:
        z, l = b(z, y); ld = ld + l
    penalty = sum(((a.t() @ a - torch.eye(a.shape[1], dtype=dtype)) ** 2).sum() if a.shape[0] >= a.shape[1] else ((a @ a.t() - torch.eye(a.shape[0], dtype=dtype)) ** 2).sum() for b in flow for a in b.mats)
    loss = 0.5 * (z * z).sum() / B - ld.sum() / B + penalty
    opt.zero_grad(); loss.backward(); opt.step()
for _ in range(max(1, reps // 4)): step()
ts = []
for _ in range(reps):
    t0 = time.perf_counter(); step(); ts.append(time.perf_counter() - t0)
ts.sort()
print(f"torch {str(dtype)[6:]} prf d=50 blocks={blocks} hidden={hidden} threads={threads} jacobian={jacobian_mode}: median {ts[len(ts)//2]*1e3:.1f} ms, p10 {ts[len(ts)//10]*1e3:.1f} ms ({sum(p.numel() for p in flow.parameters())} parameters) [BLAS: {blas_in_use()}]")
