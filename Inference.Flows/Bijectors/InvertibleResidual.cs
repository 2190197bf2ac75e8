using System.Globalization;
using Inference.Autodiff;
using Inference.Randomness;

namespace Inference.Flows.Bijectors;

/// <summary>How an invertible residual layer computes log|det J| while it trains.</summary>
public enum ResidualLogDet
{
    /// <summary>Exact when D ≤ 16, the Russian-roulette power series above (evaluation is exact up to <see cref="InvertibleResidual.ExactDimensionLimit"/>).</summary>
    Auto,

    /// <summary>Always the exact log|det| of the batched Jacobian (D Jacobian-vector products per row and an LU each).</summary>
    Exact,

    /// <summary>
    /// The unbiased Russian-roulette power series with a Hutchinson probe and the Neumann-series gradient (Chen et al.
    /// 2019) while training; stochastic, so only for training. Evaluation stays exact up to the limit.
    /// </summary>
    RussianRoulette,
}

/// <summary>One evaluation of a residual branch G: its value [batch, D] and the Jacobian-vector products J_G·v at the same point.</summary>
/// <param name="Output">G(x) [batch, D].</param>
/// <param name="Jacobian">v [batch, D] ↦ J_G v [batch, D], or v [batch, m, D] ↦ [batch, m, D] with row j holding (J_G vⱼ)ᵀ.</param>
public readonly record struct ResidualPass(Var Output, Func<Var, Var> Jacobian);

/// <summary>
/// A residual flow layer T(x) = x + γ·G(x) made invertible by a contraction: written as T = κ(I + M) with
/// M = (γJ_G − (κ − 1)I)/κ, every ‖M‖₂ ≤ c &lt; 1 (<see cref="ContractionBound"/>). The forward map is explicit; the
/// inverse is the Banach iteration x ← (y − γG(x) + (κ − 1)x)/κ, stopped at <see cref="Tolerance"/> with an error after
/// <see cref="MaxIterations"/>, and differentiated by the implicit-function theorem (the adjoint solve Jᵀλ = ḡ, never a
/// record of the iterations). log|det J_T| = D·log κ + log det(I + M): exact from the batched Jacobian, or the power
/// series Σ (−1)^{k+1} tr(M^k)/k by Russian roulette while training (<see cref="ResidualLogDet"/>).
/// Subclasses give G: the residual flow (i-ResNet, κ = 1) and the proximal residual flow (κ = 1 + γ(1 − t)).
/// </summary>
public abstract class InvertibleResidual : FlowBijector
{
    private const int ExactTrainingLimit = 16;

    // iterations without a 10% smaller change that mark the rounding floor, and the largest change accepted as that floor
    private const int StallIterations = 50;
    private const double StallCeiling = 1e-10;

    // geometric roulette: p = 1/2 on n ≥ 1, the first two terms always kept (normflows' and Chen et al.'s defaults)
    private const int ExactTerms = 2;

    private readonly Lock _gate = new();
    private readonly Dictionary<int, double[]> _identities = [];
    private readonly ulong _seed;

    [ThreadStatic]
    private static Tape? t_side;

    /// <summary>Creates the layer.</summary>
    protected InvertibleResidual(int dimension, int contextDimension, ResidualLogDet logDet, ulong seed)
        : base(dimension, contextDimension)
    {
        if (!Enum.IsDefined(logDet))
        {
            throw new ArgumentOutOfRangeException(nameof(logDet), logDet, "Unknown log-determinant method.");
        }

        LogDetMethod = logDet;
        _seed = seed;
    }

    /// <summary>How the log-determinant is computed while training.</summary>
    public ResidualLogDet LogDetMethod { get; }

    /// <summary>The largest D for which evaluation (sampling, log q, NeuTra) uses the exact log-determinant (default 128).</summary>
    public int ExactDimensionLimit { get; set; } = 128;

    /// <summary>The inverse's iteration cap (an error, not a silent result, when reached).</summary>
    public int MaxIterations { get; set; } = 2000;

    /// <summary>The inverse stops when every coordinate changed by at most this times (1 + |x|) in one iteration.</summary>
    public double Tolerance { get; set; } = 1e-13;

    /// <summary>γ in T(x) = x + γG(x).</summary>
    protected abstract double Gamma { get; }

    /// <summary>κ ≥ 1 with M = (γJ_G − (κ − 1)I)/κ contractive.</summary>
    protected abstract double Kappa { get; }

    /// <summary>c: the bound on ‖M‖₂ (the inverse converges at rate c or faster).</summary>
    public abstract double ContractionBound { get; }

    /// <inheritdoc/>
    public override bool HasExactLogDet => Dimension <= ExactDimensionLimit;

    /// <inheritdoc/>
    public override bool HasAnalyticInverse => false;

    /// <summary>The branch's weights for one pass on <paramref name="tape"/> (normalized or projected as the layer requires).</summary>
    protected abstract Var[] PrepareWeights(Tape tape, bool training);

    /// <summary>G at x [batch, D] (with the context rows [batch, C] of a conditional layer, else default), with its Jacobian-vector products.</summary>
    protected abstract ResidualPass Evaluate(Var[] weights, Var x, Var context);

    /// <summary>A pass records gradients of the parameters (a training step) when its tape does.</summary>
    protected static bool IsTraining(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        return tape.IsRecording && tape.BindsVariables;
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian) => ForwardCore(x, default, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian) => InverseCore(y, default, out logAbsDetJacobian);

    /// <summary>The widest layer of the branch (the exact log-determinant holds [rows, D, width] blocks).</summary>
    protected virtual int WidestLayer => Dimension;

    // rows per piece of a large evaluation batch: the exact Jacobian's [rows, D, width] blocks stay near 32 MB
    private int ChunkRows => Math.Max(1, (1 << 22) / (Dimension * Math.Max(Dimension, WidestLayer)));

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, Var context, out Var logAbsDetJacobian)
    {
        var batch = CouplingSplit.AsBatch(x);
        var tape = x.Tape;
        if (!tape.IsRecording && batch.Shape[0] > ChunkRows)
        {
            return InPieces(batch, context, inverse: false, out logAbsDetJacobian);
        }

        bool training = IsTraining(tape);
        var rows = IsConditional ? ContextRows(context, batch) : default;
        var weights = PrepareWeights(tape, training);
        var pass = Evaluate(weights, batch, rows);
        logAbsDetJacobian = CouplingSplit.ScalarIfEvent(LogDet(weights, batch, rows, pass, training), x);
        return CouplingSplit.LikeInput(batch + (Gamma * pass.Output), x);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, Var context, out Var logAbsDetJacobian)
    {
        var batch = CouplingSplit.AsBatch(y);
        var tape = y.Tape;
        if (!tape.IsRecording && batch.Shape[0] > ChunkRows)
        {
            return InPieces(batch, context, inverse: true, out logAbsDetJacobian);
        }

        bool training = IsTraining(tape);
        var rows = IsConditional ? ContextRows(context, batch) : default;
        var weights = PrepareWeights(tape, training);
        var solution = Solve(weights, batch, rows);
        var x0 = tape.Constant(solution, batch.Shape);
        Var x = x0;
        if (tape.IsRecording && (batch.RequiresGrad || (IsConditional && rows.RequiresGrad) || weights.Any(w => w.RequiresGrad)))
        {
            // x = x₀ + S(y − T(x₀)): the residual is ~0, so the value stays x₀ (plus a fraction of a Newton step), and S's
            // vector-Jacobian product λ = J_T(x₀)⁻ᵀḡ gives exactly the implicit-function gradient in y, the context and θ
            var residual = batch - x0 - (Gamma * Evaluate(weights, x0, rows).Output);
            x = x0 + Ops.Custom(ImplicitSolve(weights, solution, rows), batch.Shape, residual);
        }

        var pass = Evaluate(weights, x, rows);
        logAbsDetJacobian = CouplingSplit.ScalarIfEvent(-LogDet(weights, x, rows, pass, training), y);
        return CouplingSplit.LikeInput(x, y);
    }

    // a large batch without gradients, piece by piece (the pieces are independent rows); each piece runs on a scratch
    // tape that is reset after its values are copied out, so the caller's tape holds only the inputs and the results
    // (one tape for all pieces kept every piece's [rows, D, width] Jacobian blocks: 22 GB for 10,000 draws at D = 100)
    private Var InPieces(Var batch, Var context, bool inverse, out Var logAbsDetJacobian)
    {
        int n = batch.Shape[0], d = Dimension, chunk = ChunkRows;
        var outputs = new double[n * d];
        var logDets = new double[n];
        bool rowContext = IsConditional && context.Shape.Rank == 2;
        int contextWidth = IsConditional ? context.Shape[context.Shape.Rank - 1] : 0;
        var scratch = new Tape();
        using (scratch.NoGrad())
        {
            for (int start = 0; start < n; start += chunk)
            {
                int m = Math.Min(chunk, n - start);
                scratch.Reset();
                var piece = scratch.Constant(batch.Value.Slice(start * d, m * d), Shape.Matrix(m, d));
                Var pieceContext = default;
                if (IsConditional)
                {
                    pieceContext = rowContext
                        ? scratch.Constant(context.Value.Slice(start * contextWidth, m * contextWidth), Shape.Matrix(m, contextWidth))
                        : scratch.Constant(context.Value, context.Shape);
                }

                var output = inverse ? InverseCore(piece, pieceContext, out var ld) : ForwardCore(piece, pieceContext, out ld);
                output.Value.CopyTo(outputs.AsSpan(start * d, m * d));
                ld.Value.CopyTo(logDets.AsSpan(start, m));
            }
        }

        var tape = batch.Tape;
        logAbsDetJacobian = tape.Constant(logDets, Shape.Vector(n));
        return tape.Constant(outputs, batch.Shape);
    }

    private Var LogDet(Var[] weights, Var batch, Var rows, ResidualPass pass, bool training)
    {
        bool roulette = training
            ? LogDetMethod == ResidualLogDet.RussianRoulette || (LogDetMethod == ResidualLogDet.Auto && Dimension > ExactTrainingLimit)
            : Dimension > ExactDimensionLimit;
        return roulette ? Roulette(weights, batch, rows, pass) : Exact(batch, pass);
    }

    // log|det(I + γJ_G)| per row from the batched Jacobian: J_G applied to the D basis vectors of every row
    private Var Exact(Var batch, ResidualPass pass)
    {
        var tape = batch.Tape;
        int rows = batch.Shape[0], d = Dimension;
        var transposedJacobian = pass.Jacobian(tape.Constant(Identities(rows), Shape.Of(rows, d, d)));
        return Ops.LogAbsDet(tape.Constant(Identities(1), Shape.Matrix(d, d)) + (Gamma * transposedJacobian));
    }

    // `rows` identity matrices [rows, D, D], cached per batch size (read by the tape, never changed)
    private double[] Identities(int rows)
    {
        lock (_gate)
        {
            if (!_identities.TryGetValue(rows, out var eye))
            {
                int d = Dimension;
                eye = new double[rows * d * d];
                for (int r = 0; r < rows; r++)
                {
                    for (int i = 0; i < d; i++)
                    {
                        eye[(r * d * d) + (i * d) + i] = 1;
                    }
                }

                _identities[rows] = eye;
            }

            return eye;
        }
    }

    /// <summary>
    /// D·log κ + Σ_{k=1}^{n+2} (−1)^{k+1} vᵀM^k v/(k·P(N ≥ k − 2)), N ~ Geometric(1/2) on n ≥ 1, v ~ N(0, I) per row:
    /// unbiased for log det(I + M). The products (Mᵀ)^k v come from vector-Jacobian products on a side tape. The node's
    /// gradient is the Neumann-series estimate of tr((I + M)⁻¹ ∂M): w = Σ_k (−1)^{k+1} (Mᵀ)^{k−1}v/P(N ≥ k − 2) held
    /// fixed, and the surrogate wᵀ(M v) recorded on the tape.
    /// </summary>
    private Var Roulette(Var[] weights, Var batch, Var rows, ResidualPass pass)
    {
        var tape = batch.Tape;
        int n = batch.Shape[0], d = Dimension, length = n * d;
        double gamma = Gamma, kappa = Kappa;
        var rng = new Rng(ProbeSeed(batch.Value, n, tape.Generation));
        int terms = ExactTerms + Geometric(rng);
        var probe = new double[length];
        rng.Normal(probe);
        var current = probe.ToArray();
        var jt = new double[length];
        var estimate = new double[n];
        var neumann = new double[length];
        var side = Linearize(weights, batch.Value, batch.Shape, rows, out var sx, out var output);
        for (int k = 1; k <= terms; k++)
        {
            double weight = k - ExactTerms <= 1 ? 1 : Math.Pow(2, k - ExactTerms - 1);
            double sign = k % 2 == 1 ? 1 : -1;
            // w += sign·weight·(Mᵀ)^{k−1} v (current), then current ← Mᵀ current
            for (int i = 0; i < length; i++)
            {
                neumann[i] += sign * weight * current[i];
            }

            side.Backward(output, current);
            sx.Grad.CopyTo(jt);
            for (int i = 0; i < length; i++)
            {
                current[i] = ((gamma * jt[i]) - ((kappa - 1) * current[i])) / kappa;
            }

            for (int r = 0; r < n; r++)
            {
                estimate[r] += sign * weight / k * System.Numerics.Tensors.TensorPrimitives.Dot(current.AsSpan(r * d, d), probe.AsSpan(r * d, d));
            }
        }

        // surrogate (γ/κ)·wᵀ(J_G v) per row: the value is replaced by the estimate, the gradient kept
        var surrogate = Ops.Sum(tape.Constant(neumann, batch.Shape) * pass.Jacobian(tape.Constant(probe, batch.Shape)), -1) * (gamma / kappa);
        var sv = surrogate.Value;
        double offset = d * Math.Log(kappa);
        for (int r = 0; r < n; r++)
        {
            estimate[r] += offset - sv[r];
        }

        return surrogate + tape.Constant(estimate);
    }

    private static int Geometric(Rng rng)
    {
        int count = 1;
        while (rng.NextDouble() >= 0.5)
        {
            count++;
        }

        return count;
    }

    // the probes depend only on the layer's seed, the tape's generation (a training loop resets its tape once per step)
    // and the batch, so halves of a batch on two threads draw the same probes whichever thread runs first (same seed,
    // same result, whatever the threads), and every step draws new ones
    private ulong ProbeSeed(ReadOnlySpan<double> values, int rows, int generation)
    {
        ulong h = Mix(_seed ^ ((ulong)rows * 0x9E3779B97F4A7C15UL) ^ ((ulong)generation << 32));
        foreach (double v in values)
        {
            h = Mix(h ^ (ulong)BitConverter.DoubleToInt64Bits(v));
        }

        return h;
    }

    private static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>
    /// G recorded at x on a tape of its own (x a variable there, the weights constants of the same values), so that
    /// backward passes with any seed give vector-Jacobian products uᵀJ_G(x) without touching the caller's tape.
    /// </summary>
    private Tape Linearize(Var[] weights, ReadOnlySpan<double> x, Shape shape, Var rows, out Var sx, out Var output, Tape? tape = null)
    {
        var side = tape ?? (t_side ??= new Tape());
        side.Reset();
        side.BindsVariables = false;
        var sw = Constants(side, weights);
        sx = side.Variable(x, shape);
        var srows = IsConditional ? side.Constant(rows.Value, rows.Shape) : default;
        output = Evaluate(sw, sx, srows).Output;
        return side;
    }

    private static Var[] Constants(Tape tape, Var[] weights)
    {
        var result = new Var[weights.Length];
        for (int i = 0; i < weights.Length; i++)
        {
            result[i] = tape.Constant(weights[i].Value, weights[i].Shape);
        }

        return result;
    }

    // the Banach iteration x ← (y − γG(x) + (κ − 1)x)/κ from x₀ = y/κ, on a side tape without gradients
    private double[] Solve(Var[] weights, Var batch, Var rows)
    {
        var side = t_side ??= new Tape();
        int length = batch.Shape.Length;
        double gamma = Gamma, kappa = Kappa;
        var y = batch.Value.ToArray();
        var x = y.Select(v => v / kappa).ToArray();
        double worst = double.PositiveInfinity, best = double.PositiveInfinity;
        int stalled = 0;
        for (int it = 0; it < MaxIterations; it++)
        {
            side.Reset();
            using var scope = side.NoGrad();
            var sw = Constants(side, weights);
            var srows = IsConditional ? side.Constant(rows.Value, rows.Shape) : default;
            var g = Evaluate(sw, side.Constant(x, batch.Shape), srows).Output.Value;
            worst = 0;
            for (int i = 0; i < length; i++)
            {
                double next = (y[i] - (gamma * g[i]) + ((kappa - 1) * x[i])) / kappa;
                worst = Math.Max(worst, Math.Abs(next - x[i]) / (1 + Math.Abs(next)));
                x[i] = next;
            }

            if (!double.IsFinite(worst))
            {
                break;
            }

            if (worst <= Tolerance)
            {
                return x;
            }

            // rounding gives the iteration a floor near ε/(1 − c): once the change stops shrinking there, x is as good as
            // it gets (a tolerance below the floor would otherwise never be met)
            if (worst < 0.9 * best)
            {
                best = worst;
                stalled = 0;
            }
            else if (++stalled >= StallIterations && best <= StallCeiling)
            {
                return x;
            }
        }

        throw new InvalidOperationException(string.Create(
            CultureInfo.InvariantCulture,
            $"The inverse of this {GetType().Name} did not converge: after {MaxIterations} fixed-point iterations a coordinate still changed by {worst:E2} (relative; the tolerance is {Tolerance:E1}). The contraction bound is {ContractionBound:G4}; raise MaxIterations or the Tolerance, or use a smaller step (γ) or Lipschitz bound."));
    }

    // S with S(r) = r/κ (a Newton step's first term, ~0 here) and VJP λ = J_T(x₀)⁻ᵀḡ, solved by λ ← ḡ/κ − Mᵀλ
    private CustomOp ImplicitSolve(Var[] weights, double[] solution, Var rows)
    {
        var graph = Linearize(weights, solution, Shape.Matrix(solution.Length / Dimension, Dimension), rows, out var sx, out var output, new Tape());
        double gamma = Gamma, kappa = Kappa;
        int maxIterations = MaxIterations;
        double tolerance = Tolerance;
        return new CustomOp(
            $"{GetType().Name}-implicit-inverse",
            (in CustomOpInputs inputs, Span<double> s) =>
            {
                ReadOnlySpan<double> r = inputs[0];
                for (int i = 0; i < s.Length; i++)
                {
                    s[i] = r[i] / kappa;
                }
            },
            (in CustomOpInputs inputs, ReadOnlySpan<double> s, ReadOnlySpan<double> g, in CustomOpGradients grads) =>
            {
                if (!grads.IsRequired(0))
                {
                    return;
                }

                var lambda = new double[g.Length];
                for (int i = 0; i < g.Length; i++)
                {
                    lambda[i] = g[i] / kappa;
                }

                for (int it = 0; it < maxIterations; it++)
                {
                    graph.Backward(output, lambda);
                    var jt = sx.Grad;
                    double worst = 0;
                    for (int i = 0; i < lambda.Length; i++)
                    {
                        double next = (g[i] / kappa) - (((gamma * jt[i]) - ((kappa - 1) * lambda[i])) / kappa);
                        worst = Math.Max(worst, Math.Abs(next - lambda[i]) / (1 + Math.Abs(next)));
                        lambda[i] = next;
                    }

                    if (worst <= tolerance)
                    {
                        break;
                    }
                }

                var target = grads[0];
                for (int i = 0; i < lambda.Length; i++)
                {
                    target[i] += lambda[i];
                }
            });
    }
}
