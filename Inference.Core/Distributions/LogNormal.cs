using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Log-normal(μ, σ): Normal(log x; μ, σ) − log x.</summary>
public sealed class LogNormal : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public LogNormal(double logMean, double logStandardDeviation)
    {
        LogMean = Check.Finite(logMean, nameof(logMean));
        LogStandardDeviation = Check.Positive(logStandardDeviation, nameof(logStandardDeviation));
    }

    /// <summary>The parameter logMean.</summary>
    public double LogMean { get; }

    /// <summary>The parameter logStandardDeviation.</summary>
    public double LogStandardDeviation { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Positive;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, LogMean, LogStandardDeviation);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => Math.Exp(LogMean + (LogStandardDeviation * rng.Normal()));

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg logMean, Arg logStandardDeviation)
    {
        Check.Finite(logMean, nameof(logMean));
        Check.Positive(logStandardDeviation, nameof(logStandardDeviation));
        var lx = Ops.Log(x);
        return SupportCheck.Restrict(Normal.LogProb(lx, logMean, logStandardDeviation) - lx, x, Domain.Positive);
    }
}
