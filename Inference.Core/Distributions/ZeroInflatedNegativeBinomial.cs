using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>
/// Zero-inflated negative binomial(θ, μ, φ): a structural zero with probability θ, else NB(μ, φ) (mean and dispersion,
/// Stan's neg_binomial_2): log(θ + (1 − θ)p(0)) at 0 and log(1 − θ) + log p(x) above.
/// </summary>
public sealed class ZeroInflatedNegativeBinomial : UnivariateDistribution
{
    private readonly NegativeBinomial _counts;

    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public ZeroInflatedNegativeBinomial(double zeroProbability, double mean, double dispersion)
    {
        ZeroProbability = Check.Probability(zeroProbability, nameof(zeroProbability));
        _counts = new NegativeBinomial(mean, dispersion);
    }

    /// <summary>The probability θ of a structural zero.</summary>
    public double ZeroProbability { get; }

    /// <summary>The mean μ of the count component.</summary>
    public double Mean => _counts.Mean;

    /// <summary>The dispersion φ of the count component (variance μ + μ²/φ).</summary>
    public double Dispersion => _counts.Dispersion;

    /// <inheritdoc/>
    public override Constraint Support => Constraint.GreaterThan(-0.5);

    /// <inheritdoc/>
    public override bool IsDiscrete => true;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, ZeroProbability, Mean, Dispersion);

    /// <inheritdoc/>
    protected override double Draw(Rng rng)
    {
        Span<double> one = stackalloc double[1];
        if (rng.NextDouble() < ZeroProbability)
        {
            return 0;
        }

        _counts.Sample(rng, one);
        return one[0];
    }

    /// <summary>Elementwise log-mass of <paramref name="x"/>, differentiable in θ, μ and φ (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg zeroProbability, Arg mean, Arg dispersion)
    {
        Check.Probability(zeroProbability, nameof(zeroProbability));
        var lp = ZeroInflatedPoisson.Inflate(x, zeroProbability.On(x.Tape), NegativeBinomial.LogProb(x, mean, dispersion));
        return SupportCheck.Restrict(lp, zeroProbability, Domain.UnitInterval);
    }
}
