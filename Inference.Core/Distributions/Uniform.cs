using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>Uniform(a, b): −log(b − a) on (a, b).</summary>
public sealed class Uniform : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public Uniform(double lower, double upper)
    {
        Lower = Check.Finite(lower, nameof(lower));
        Upper = Check.Finite(upper, nameof(upper));
        if (!(lower < upper))
        {
            throw new ArgumentException($"Uniform needs lower < upper; got ({lower}, {upper}).", nameof(upper));
        }

    }

    /// <summary>The parameter lower.</summary>
    public double Lower { get; }

    /// <summary>The parameter upper.</summary>
    public double Upper { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Interval(Lower, Upper);

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Lower, Upper);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => rng.Uniform(Lower, Upper);

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg lower, Arg upper)
    {
        Check.Finite(lower, nameof(lower));
        Check.Finite(upper, nameof(upper));
        if (!lower.IsVar && !upper.IsVar && !(lower.ConstantValue < upper.ConstantValue))
        {
            throw new ArgumentException($"Uniform needs lower < upper; got ({lower.ConstantValue}, {upper.ConstantValue}).", nameof(upper));
        }

        var t = x.Tape;
        var lp = (x * 0.0) - Ops.Log(upper.On(t) - lower.On(t));
        return SupportCheck.Between(lp, x, lower, upper);
    }
}
