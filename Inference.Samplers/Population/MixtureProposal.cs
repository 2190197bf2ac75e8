using Inference.Randomness;

namespace Inference.Samplers.Population;

/// <summary>
/// A fixed two-component mixture (1 − w)·a + w·b of proposals: with a = N(0, I) and b a Student-t in NeuTra's base
/// space, proposals are nearly as good as the flow's own where the flow is right (acceptance near 1 for an exact map)
/// while the t component keeps the importance weights bounded where the flow's tails are too light.
/// </summary>
public sealed class MixtureProposal : IProposalDensity
{
    private readonly IProposalDensity _a;
    private readonly IProposalDensity _b;

    /// <summary>(1 − <paramref name="weight"/>)·<paramref name="a"/> + <paramref name="weight"/>·<paramref name="b"/>.</summary>
    public MixtureProposal(IProposalDensity a, IProposalDensity b, double weight)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Dimension != b.Dimension)
        {
            throw new ArgumentException($"The components have dimensions {a.Dimension} and {b.Dimension}.", nameof(b));
        }

        if (!(weight > 0 && weight < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(weight), weight, "Must be in (0, 1).");
        }

        _a = a;
        _b = b;
        Weight = weight;
    }

    /// <summary>N(0, I) with a share of t_ν(0, I) (the NeuTra global moves' default).</summary>
    public static MixtureProposal GaussianWithStudentT(int dimension, int degreesOfFreedom, double weight) =>
        new(GaussianProposal.Isotropic(dimension), new StudentTProposal(dimension, degreesOfFreedom), weight);

    /// <summary>w, the weight of the second component.</summary>
    public double Weight { get; }

    /// <inheritdoc/>
    public int Dimension => _a.Dimension;

    /// <inheritdoc/>
    public int Version => _a.Version + _b.Version;

    /// <inheritdoc/>
    public IProposalSampler CreateSampler() => new Sampler(this, _a.CreateSampler(), _b.CreateSampler());

    private sealed class Sampler(MixtureProposal owner, IProposalSampler a, IProposalSampler b) : IProposalSampler
    {
        private readonly double[] _one = new double[1];

        public void Sample(Rng rng, Span<double> points, Span<double> logDensities)
        {
            ArgumentNullException.ThrowIfNull(rng);
            int d = owner.Dimension;
            for (int s = 0; s < logDensities.Length; s++)
            {
                var x = points.Slice(s * d, d);
                (rng.NextDouble() < owner.Weight ? b : a).Sample(rng, x, _one);
                logDensities[s] = LogDensity(x);
            }
        }

        public double LogDensity(ReadOnlySpan<double> x)
        {
            double la = Math.Log(1 - owner.Weight) + a.LogDensity(x), lb = Math.Log(owner.Weight) + b.LogDensity(x);
            double m = Math.Max(la, lb);
            return double.IsNegativeInfinity(m) ? m : m + Math.Log(Math.Exp(la - m) + Math.Exp(lb - m));
        }
    }
}
