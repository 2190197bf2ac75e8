using Inference.Autodiff;
using Inference.Densities;
using Inference.Randomness;

namespace Inference.InverseProblems;

/// <summary>Draws one parameter vector x from a prior.</summary>
public delegate void PriorSampler(Rng rng, Span<double> destination);

/// <summary>
/// The prior of an inverse problem: a sampler of x (what amortized training needs), a log-density of x (what the
/// posterior for one observation needs: NUTS, NeuTra, VI), or both. A log-density may be tape code or any
/// <see cref="ILogDensity"/>, a compiled model included.
/// </summary>
public sealed class Prior
{
    private const double HalfLogTwoPi = 0.91893853320467274178;

    private readonly PriorSampler? _sampler;
    private readonly Func<Var, Var>? _logDensity;

    private Prior(int dimension, PriorSampler? sampler, Func<Var, Var>? logDensity)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        Dimension = dimension;
        _sampler = sampler;
        _logDensity = logDensity;
    }

    /// <summary>d.</summary>
    public int Dimension { get; }

    /// <summary>Whether the prior can be sampled.</summary>
    public bool CanSample => _sampler is not null;

    /// <summary>Whether the prior has a log-density.</summary>
    public bool HasDensity => _logDensity is not null;

    /// <summary>A prior known only by a sampler (enough for amortized training, not for a posterior density).</summary>
    public static Prior FromSampler(int dimension, PriorSampler sampler) =>
        new(dimension, sampler ?? throw new ArgumentNullException(nameof(sampler)), null);

    /// <summary>A prior with a batched tape log-density ([n, d] → [n], rows independent) and optionally a sampler.</summary>
    public static Prior FromTape(int dimension, Func<Var, Var> batchedLogDensity, PriorSampler? sampler = null) =>
        new(dimension, sampler, batchedLogDensity ?? throw new ArgumentNullException(nameof(batchedLogDensity)));

    /// <summary>
    /// A prior whose log-density is any <see cref="ILogDensity"/> (a compiled model of x, say), evaluated through its own
    /// gradient inside the posterior's tape, and optionally a sampler.
    /// </summary>
    public static Prior FromDensity(ILogDensity density, PriorSampler? sampler = null)
    {
        ArgumentNullException.ThrowIfNull(density);
        return new(density.Dimension, sampler, DensityOp.For(density));
    }

    /// <summary>Independent normals N(meanᵢ, sdᵢ²).</summary>
    public static Prior Gaussian(double[] mean, double[] sd)
    {
        ArgumentNullException.ThrowIfNull(mean);
        ArgumentNullException.ThrowIfNull(sd);
        if (mean.Length != sd.Length || mean.Length == 0)
        {
            throw new ArgumentException($"The prior has {mean.Length} means and {sd.Length} standard deviations.", nameof(sd));
        }

        if (sd.Any(s => !(s > 0) || !double.IsFinite(s)) || mean.Any(m => !double.IsFinite(m)))
        {
            throw new ArgumentOutOfRangeException(nameof(sd), "Means must be finite and standard deviations positive and finite.");
        }

        var m = Tensor.FromVector(mean.ToArray());
        var inverse = Tensor.FromVector(sd.Select(s => 1 / s).ToArray());
        double constant = sd.Sum(s => Math.Log(s) + HalfLogTwoPi);
        return new(
            mean.Length,
            (rng, x) =>
            {
                for (int i = 0; i < x.Length; i++)
                {
                    x[i] = mean[i] + (sd[i] * rng.Normal());
                }
            },
            x => (-0.5 * Ops.Sum(Ops.Square((x - x.Tape.Constant(m)) * x.Tape.Constant(inverse)), -1)) - constant);
    }

    /// <summary>N(0, I) on ℝᵈ.</summary>
    public static Prior StandardNormal(int dimension) => Gaussian(new double[dimension], Enumerable.Repeat(1.0, dimension).ToArray());

    /// <summary>
    /// A mixture Σₖ wₖ N(mₖ, σ²I) (weights normalized): the prior of Hertrich's 50-dimensional mixture problem.
    /// <paramref name="means"/> is [K, d].
    /// </summary>
    public static Prior GaussianMixture(double[] weights, double[,] means, double sd)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(means);
        int k = means.GetLength(0), d = means.GetLength(1);
        if (weights.Length != k || k == 0 || weights.Any(w => !(w > 0) || !double.IsFinite(w)))
        {
            throw new ArgumentException($"A mixture of {k} components needs {k} positive weights.", nameof(weights));
        }

        if (!(sd > 0) || !double.IsFinite(sd))
        {
            throw new ArgumentOutOfRangeException(nameof(sd), sd, "The component standard deviation must be positive and finite.");
        }

        double total = weights.Sum();
        var logWeights = weights.Select(w => Math.Log(w / total)).ToArray();
        var centers = new Tensor(Shape.Matrix(k, d));
        for (int c = 0; c < k; c++)
        {
            for (int j = 0; j < d; j++)
            {
                centers[(c * d) + j] = means[c, j];
            }
        }

        var normSq = Tensor.FromVector(Enumerable.Range(0, k).Select(c => Enumerable.Range(0, d).Sum(j => means[c, j] * means[c, j])).ToArray());
        var offsets = Tensor.FromVector(logWeights.Select(lw => lw - (d * (Math.Log(sd) + HalfLogTwoPi))).ToArray());
        var cumulative = new double[k];
        double running = 0;
        for (int c = 0; c < k; c++)
        {
            running += weights[c] / total;
            cumulative[c] = running;
        }

        return new(
            d,
            (rng, x) =>
            {
                double u = rng.NextDouble();
                int c = Array.FindIndex(cumulative, p => u < p);
                c = c < 0 ? k - 1 : c;
                for (int j = 0; j < d; j++)
                {
                    x[j] = means[c, j] + (sd * rng.Normal());
                }
            },
            x =>
            {
                // ‖x − mₖ‖² = ‖x‖² − 2 x·mₖ + ‖mₖ‖², for every row and component at once
                var t = x.Tape;
                var cross = Ops.MatMul(x, Ops.Transpose(t.Constant(centers)));             // [n, K]
                var sq = Ops.Reshape(Ops.Sum(Ops.Square(x), -1), Shape.Matrix(x.Shape[0], 1)); // [n, 1]
                var distance = sq - (2 * cross) + t.Constant(normSq);
                return Ops.LogSumExp((distance * (-0.5 / (sd * sd))) + t.Constant(offsets), -1);
            });
    }

    /// <summary>Writes one draw x ~ prior.</summary>
    /// <exception cref="InvalidOperationException">The prior has no sampler.</exception>
    public void Sample(Rng rng, Span<double> destination)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (destination.Length != Dimension)
        {
            throw new ArgumentException($"The destination has {destination.Length} values; the prior has dimension {Dimension}.", nameof(destination));
        }

        (_sampler ?? throw new InvalidOperationException("This prior has no sampler: build it with one to simulate pairs (x, y)."))(rng, destination);
    }

    /// <summary>log p(x) per row of x [n, d] (→ [n]), on the tape.</summary>
    /// <exception cref="InvalidOperationException">The prior has no log-density.</exception>
    public Var LogDensity(Var x)
    {
        var f = _logDensity ?? throw new InvalidOperationException("This prior has no log-density: build it from tape code or an ILogDensity to condition a posterior on an observation.");
        if (x.Shape.Rank != 2 || x.Shape[1] != Dimension)
        {
            throw new ArgumentException($"Expected [batch, {Dimension}]; got shape {x.Shape}.", nameof(x));
        }

        return f(x);
    }

    // an ILogDensity as a tape op: its evaluator's value and gradient per row, one evaluator per thread
    private sealed class DensityOp
    {
        [ThreadStatic]
        private static System.Runtime.CompilerServices.ConditionalWeakTable<ILogDensity, ILogDensityEvaluator>? t_evaluators;

        private readonly ILogDensity _density;
        private readonly CustomOp _op;
        private readonly int _dimension;

        private DensityOp(ILogDensity density)
        {
            _density = density;
            _dimension = density.Dimension;
            _op = new CustomOp(
                "prior-log-density",
                (in CustomOpInputs inputs, Span<double> y) =>
                {
                    var evaluator = Evaluator();
                    ReadOnlySpan<double> x = inputs[0];
                    for (int r = 0; r < y.Length; r++)
                    {
                        y[r] = evaluator.LogDensity(x.Slice(r * _dimension, _dimension));
                    }
                },
                (in CustomOpInputs inputs, ReadOnlySpan<double> y, ReadOnlySpan<double> g, in CustomOpGradients grads) =>
                {
                    if (!grads.IsRequired(0))
                    {
                        return;
                    }

                    var evaluator = Evaluator();
                    ReadOnlySpan<double> x = inputs[0];
                    var gx = grads[0];
                    Span<double> row = _dimension <= 256 ? stackalloc double[_dimension] : new double[_dimension];
                    for (int r = 0; r < g.Length; r++)
                    {
                        evaluator.LogDensityAndGradient(x.Slice(r * _dimension, _dimension), row);
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(row, g[r], gx.Slice(r * _dimension, _dimension), gx.Slice(r * _dimension, _dimension));
                    }
                });
        }

        // evaluators are not thread-safe: each thread (chain) gets its own for this density
        private ILogDensityEvaluator Evaluator() => (t_evaluators ??= []).GetValue(_density, d => d.CreateEvaluator());

        public static Func<Var, Var> For(ILogDensity density)
        {
            var op = new DensityOp(density);
            return x => Ops.Custom(op._op, Shape.Vector(x.Shape[0]), x);
        }
    }
}
