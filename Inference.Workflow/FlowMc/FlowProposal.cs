using Inference.Autodiff;
using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Flows.Variational;
using Inference.Randomness;
using Inference.Samplers.Population;

namespace Inference.Workflow.FlowMc;

/// <summary>
/// A normalizing flow as flowMC's trainable proposal: draws x = T(z), z ~ N(0, I), with log q(x) from the same pass;
/// evaluates log q(x) by the inverse flow; refits by forward KL (<see cref="DensityEstimation"/>) on the points it is
/// given, continuing from its current weights. Before the first refit, the flow's last layer (a diagonal affine map,
/// as every builder ends) is set to the points' mean and standard deviations, so the layers inside see standardized
/// points.
/// </summary>
public sealed class FlowProposal : ITrainableProposal
{
    private readonly DensityEstimationOptions _training;
    private int _version;
    private bool _standardized;

    /// <summary>Wraps <paramref name="flow"/>; each refit runs <paramref name="training"/> (default: 200 Adam steps of 1000 points, learning rate 5·10⁻³).</summary>
    public FlowProposal(FlowDistribution flow, DensityEstimationOptions? training = null)
    {
        ArgumentNullException.ThrowIfNull(flow);
        if (!flow.Transform.HasAnalyticInverse || !flow.Transform.HasExactLogDet)
        {
            throw new ArgumentException("A proposal needs a flow with an analytic inverse and an exact log-determinant.", nameof(flow));
        }

        Flow = flow;
        _training = training ?? new DensityEstimationOptions { Iterations = 200, BatchSize = 1000, LearningRate = 5e-3, ValidationFraction = 0.1, EvaluateEvery = 100 };
        _training.Validate();
    }

    /// <summary>flowMC's default flow at dimension <paramref name="dimension"/>: RealNVP, 4 couplings, MLP [32, 32].</summary>
    public static FlowProposal Default(int dimension, Rng rng) => new(FlowDistribution.RealNvp(dimension, 4, [32, 32], rng));

    /// <summary>The flow.</summary>
    public FlowDistribution Flow { get; }

    /// <inheritdoc/>
    public int Dimension => Flow.Dimension;

    /// <inheritdoc/>
    public int Version => _version;

    /// <inheritdoc/>
    public IProposalSampler CreateSampler() => new Sampler(Flow);

    /// <inheritdoc/>
    public double Refit(ReadOnlySpan<double> points, ulong seed, CancellationToken cancellationToken = default)
    {
        int d = Dimension, n = points.Length / d;
        if (n < 10 || points.Length != n * d)
        {
            throw new ArgumentException($"Need at least 10 points of {d} coordinates.", nameof(points));
        }

        var samples = new double[n, d];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < d; j++)
            {
                samples[i, j] = points[(i * d) + j];
            }
        }

        if (!_standardized)
        {
            Standardize(samples);
            _standardized = true;
        }

        var fit = DensityEstimation.Fit(Flow, samples, _training with { Seed = seed }, cancellationToken: cancellationToken);
        _version++;
        return fit.HeldOutLogLikelihood;
    }

    private void Standardize(double[,] samples)
    {
        var last = Flow.Transform is FlowChain chain ? chain.Layers[^1] as ElementwiseAffine : Flow.Transform as ElementwiseAffine;
        if (last is null)
        {
            return;
        }

        int n = samples.GetLength(0), d = samples.GetLength(1);
        for (int j = 0; j < d; j++)
        {
            double m = 0, s = 0;
            for (int i = 0; i < n; i++)
            {
                m += samples[i, j] / n;
            }

            for (int i = 0; i < n; i++)
            {
                s += (samples[i, j] - m) * (samples[i, j] - m) / (n - 1);
            }

            last.Location.Value[j] = m;
            last.LogScale.Value[j] = 0.5 * Math.Log(Math.Max(s, 1e-12));
        }
    }

    private sealed class Sampler(FlowDistribution flow) : IProposalSampler
    {
        private readonly Tape _tape = new() { BindsVariables = false };

        public void Sample(Rng rng, Span<double> points, Span<double> logDensities)
        {
            int d = flow.Dimension, n = logDensities.Length;
            var z = new double[n * d];
            rng.Normal(z);
            using var session = _tape.Begin();
            using var scope = _tape.NoGrad();
            var (x, logQ) = flow.PushForward(_tape.Constant(z, Shape.Matrix(n, d)));
            x.Value[..(n * d)].CopyTo(points);
            logQ.Value[..n].CopyTo(logDensities);
        }

        public double LogDensity(ReadOnlySpan<double> x)
        {
            using var session = _tape.Begin();
            using var scope = _tape.NoGrad();
            double v = flow.LogProb(_tape.Constant(x, Shape.Matrix(1, x.Length))).Value[0];
            return double.IsNaN(v) ? double.NegativeInfinity : v;
        }
    }
}
