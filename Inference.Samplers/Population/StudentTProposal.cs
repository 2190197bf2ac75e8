using Inference.Randomness;

namespace Inference.Samplers.Population;

/// <summary>
/// The multivariate Student-t t_ν(0, s²I) as a fixed proposal: z = s·g/√(u/ν) with g ~ N(0, I) and u ~ χ²_ν. In NeuTra's
/// base space the target is close to N(0, I) in the bulk but heavier wherever the flow's tails are too light; proposals
/// from N(0, I) then have unbounded importance weights there, and independence moves keep chains out of those tails for
/// long stretches. A t proposal has polynomial tails, so the weights stay bounded and the global moves stay honest.
/// </summary>
public sealed class StudentTProposal : IProposalDensity
{
    private readonly double _logNormalizer;

    /// <summary>t_<paramref name="degreesOfFreedom"/>(0, <paramref name="scale"/>²I) on ℝ^<paramref name="dimension"/>.</summary>
    public StudentTProposal(int dimension, int degreesOfFreedom = 5, double scale = 1)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(degreesOfFreedom);
        if (!(scale > 0) || double.IsInfinity(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "Must be positive and finite.");
        }

        Dimension = dimension;
        DegreesOfFreedom = degreesOfFreedom;
        Scale = scale;
        double nu = degreesOfFreedom;
        _logNormalizer = MathNet.Numerics.SpecialFunctions.GammaLn(0.5 * (nu + dimension)) - MathNet.Numerics.SpecialFunctions.GammaLn(0.5 * nu)
            - (0.5 * dimension * Math.Log(nu * Math.PI)) - (dimension * Math.Log(scale));
    }

    /// <inheritdoc/>
    public int Dimension { get; }

    /// <summary>ν.</summary>
    public int DegreesOfFreedom { get; }

    /// <summary>s.</summary>
    public double Scale { get; }

    /// <inheritdoc/>
    public int Version => 0;

    /// <inheritdoc/>
    public IProposalSampler CreateSampler() => new Sampler(this);

    private double LogDensity(double squaredNorm) =>
        _logNormalizer - (0.5 * (DegreesOfFreedom + Dimension) * Math.Log(1 + (squaredNorm / (Scale * Scale * DegreesOfFreedom))));

    private sealed class Sampler(StudentTProposal owner) : IProposalSampler
    {
        public void Sample(Rng rng, Span<double> points, Span<double> logDensities)
        {
            ArgumentNullException.ThrowIfNull(rng);
            int d = owner.Dimension, nu = owner.DegreesOfFreedom;
            for (int s = 0; s < logDensities.Length; s++)
            {
                var z = points.Slice(s * d, d);
                rng.Normal(z);
                double u = 0;
                for (int k = 0; k < nu; k++)
                {
                    double g = rng.Normal();
                    u += g * g;
                }

                double factor = owner.Scale / Math.Sqrt(u / nu), norm = 0;
                for (int i = 0; i < d; i++)
                {
                    z[i] *= factor;
                    norm += z[i] * z[i];
                }

                logDensities[s] = owner.LogDensity(norm);
            }
        }

        public double LogDensity(ReadOnlySpan<double> x) => owner.LogDensity(System.Numerics.Tensors.TensorPrimitives.Dot(x, x));
    }
}
