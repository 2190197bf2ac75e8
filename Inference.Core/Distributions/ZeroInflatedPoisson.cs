using System.Buffers;
using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>
/// Zero-inflated Poisson(θ, λ): a structural zero with probability θ, else Poisson(λ):
/// log(θ + (1 − θ)e^{−λ}) at 0 and log(1 − θ) + Poisson(x | λ) above (the Stan manual's form).
/// </summary>
public sealed class ZeroInflatedPoisson : UnivariateDistribution
{
    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public ZeroInflatedPoisson(double zeroProbability, double rate)
    {
        ZeroProbability = Check.Probability(zeroProbability, nameof(zeroProbability));
        Rate = Check.Positive(rate, nameof(rate));
    }

    /// <summary>The probability θ of a structural zero.</summary>
    public double ZeroProbability { get; }

    /// <summary>The Poisson rate λ.</summary>
    public double Rate { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.GreaterThan(-0.5);

    /// <inheritdoc/>
    public override bool IsDiscrete => true;

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, ZeroProbability, Rate);

    /// <inheritdoc/>
    protected override double Draw(Rng rng) => rng.NextDouble() < ZeroProbability ? 0 : MathNet.Numerics.Distributions.Poisson.Sample(rng, Rate);

    /// <summary>Elementwise log-mass of <paramref name="x"/>, differentiable in θ and λ (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg zeroProbability, Arg rate)
    {
        Check.Probability(zeroProbability, nameof(zeroProbability));
        Check.Positive(rate, nameof(rate));
        var lp = Inflate(x, zeroProbability.On(x.Tape), Poisson.LogProb(x, rate));
        return SupportCheck.Restrict(lp, zeroProbability, Domain.UnitInterval);
    }

    /// <summary>
    /// Zero inflation of a count distribution whose log-mass at x is <paramref name="baseLogMass"/>: where x = 0,
    /// log(θ + (1 − θ)p(0)); elsewhere log(1 − θ) + log p(x). The zeros of x are read from its values.
    /// </summary>
    internal static Var Inflate(Var x, Var theta, Var baseLogMass)
    {
        var t = x.Tape;
        var values = x.Value;
        var rented = ArrayPool<double>.Shared.Rent(values.Length);
        Var zero;
        try
        {
            var z = rented.AsSpan(0, values.Length);
            for (int i = 0; i < z.Length; i++)
            {
                z[i] = values[i] == 0 ? 1 : 0;
            }

            zero = t.Constant(z, x.Shape);
        }
        finally
        {
            ArrayPool<double>.Shared.Return(rented);
        }

        var positive = Ops.Log1p(-theta) + baseLogMass;
        var atZero = Ops.LogSumExp(Ops.Log(theta), positive);
        // z·(zero branch) + (1 − z)·(positive branch): an out-of-support x keeps its −∞ (0·finite, never 0·∞)
        return (zero * atZero) + ((1.0 - zero) * positive);
    }
}
