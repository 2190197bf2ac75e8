using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Negative binomial with mean μ and dispersion φ (Stan's neg_binomial_2): variance μ + μ²/φ.</summary>
public sealed class NegativeBinomial : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public NegativeBinomial(double mean, double dispersion)
    {
        Mean = Check.Positive(mean, nameof(mean));
        Dispersion = Check.Positive(dispersion, nameof(dispersion));
    }

    /// <summary>The parameter mean.</summary>
    public double Mean { get; }

    /// <summary>The parameter dispersion.</summary>
    public double Dispersion { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.GreaterThan(-0.5);

    /// <inheritdoc/>
    public override bool IsDiscrete => true;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Mean, Dispersion);

    /// <inheritdoc/>
    protected override double Draw(Rng rng)
    {
        // Gamma–Poisson mixture (the definition of NB2). MathNet 5.0's NegativeBinomial.Sample is biased for
        // non-integer r (mean 10.64 instead of 10 at r = 0.7, p = 0.7/10.7 over 200,000 draws), so it is not used.
        double lambda = MathNet.Numerics.Distributions.Gamma.Sample(rng, Dispersion, Dispersion / Mean);
        return MathNet.Numerics.Distributions.Poisson.Sample(rng, lambda);
    }

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg mean, Arg dispersion)
    {
        Check.Positive(mean, nameof(mean));
        Check.Positive(dispersion, nameof(dispersion));
        var t = x.Tape;
        var mu = mean.On(t);
        var phi = dispersion.On(t);
        var logSum = Ops.Log(mu + phi);
        var lp = Ops.LGamma(x + phi) - Ops.LGamma(x + 1.0) - Ops.LGamma(phi) + (x * (Ops.Log(mu) - logSum)) + (phi * (Ops.Log(phi) - logSum));
        return SupportCheck.Restrict(SupportCheck.Restrict(SupportCheck.Restrict(lp, x, Domain.Counts), mean, Domain.Positive), dispersion, Domain.Positive);
    }
}
