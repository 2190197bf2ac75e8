using Inference.Autodiff;
using Inference.Distributions;
using Inference.Randomness;

namespace Inference.InverseProblems;

/// <summary>The observation noise of an inverse problem: the likelihood p(y | F(x)) and a sampler of y given F(x).</summary>
public abstract class NoiseModel
{
    /// <summary>log p(y | F(x)) per row: observed and predicted [n, m] → [n] (or [m] → a scalar). Differentiable in both.</summary>
    public abstract Var LogLikelihood(Var observed, Var predicted);

    /// <summary>Draws y given the noise-free observation F(x).</summary>
    public abstract void Sample(Rng rng, ReadOnlySpan<double> predicted, Span<double> observed);

    /// <summary>Checks an observation before it conditions a posterior (e.g. counts for Poisson noise).</summary>
    public virtual void Validate(ReadOnlySpan<double> observed, string paramName)
    {
        foreach (double v in observed)
        {
            if (!double.IsFinite(v))
            {
                throw new ArgumentException("The observation must be finite.", paramName);
            }
        }
    }

    /// <summary>Additive Gaussian noise y = F(x) + σε, ε ~ N(0, I).</summary>
    public static NoiseModel Gaussian(double sd) => new GaussianNoise([sd], shared: true);

    /// <summary>Additive Gaussian noise with one standard deviation per observed coordinate.</summary>
    public static NoiseModel Gaussian(double[] sds) => new GaussianNoise(sds ?? throw new ArgumentNullException(nameof(sds)), shared: false);

    /// <summary>Counts y ~ Poisson(F(x)) per coordinate; F(x) must be positive.</summary>
    public static NoiseModel Poisson() => new PoissonNoise();

    private static Var RowSum(Var v) => v.Shape.Rank == 1 ? Ops.Sum(v) : Ops.Sum(v, -1);

    private sealed class GaussianNoise : NoiseModel
    {
        private readonly double[] _sds;
        private readonly Tensor _table;
        private readonly bool _shared;

        public GaussianNoise(double[] sds, bool shared)
        {
            if (sds.Length == 0 || sds.Any(s => !(s > 0) || !double.IsFinite(s)))
            {
                throw new ArgumentOutOfRangeException(nameof(sds), "Noise standard deviations must be positive and finite.");
            }

            _sds = sds.ToArray();
            _shared = shared;
            _table = Tensor.FromVector(_sds);
        }

        public override Var LogLikelihood(Var observed, Var predicted)
        {
            int m = observed.Shape[observed.Shape.Rank - 1];
            if (!_shared && m != _sds.Length)
            {
                throw new ArgumentException($"The noise has {_sds.Length} standard deviations; the observation has {m} values.", nameof(observed));
            }

            Arg sd = _shared ? _sds[0] : observed.Tape.Constant(_table);
            return RowSum(Normal.LogProb(observed, predicted, sd));
        }

        public override void Sample(Rng rng, ReadOnlySpan<double> predicted, Span<double> observed)
        {
            for (int i = 0; i < predicted.Length; i++)
            {
                observed[i] = predicted[i] + ((_shared ? _sds[0] : _sds[i]) * rng.Normal());
            }
        }
    }

    private sealed class PoissonNoise : NoiseModel
    {
        public override Var LogLikelihood(Var observed, Var predicted) => RowSum(Distributions.Poisson.LogProb(observed, predicted));

        public override void Sample(Rng rng, ReadOnlySpan<double> predicted, Span<double> observed)
        {
            for (int i = 0; i < predicted.Length; i++)
            {
                if (!(predicted[i] > 0) || !double.IsFinite(predicted[i]))
                {
                    throw new InvalidOperationException($"A Poisson rate must be positive and finite; the forward operator gave {predicted[i]} at coordinate {i}.");
                }

                observed[i] = Draw(rng, predicted[i]);
            }
        }

        public override void Validate(ReadOnlySpan<double> observed, string paramName)
        {
            foreach (double v in observed)
            {
                if (!(v >= 0) || v != Math.Floor(v) || !double.IsFinite(v))
                {
                    throw new ArgumentException("Poisson observations must be non-negative integers.", paramName);
                }
            }
        }

        private static double Draw(Rng rng, double rate) => MathNet.Numerics.Distributions.Poisson.Sample(rng, rate);
    }
}
