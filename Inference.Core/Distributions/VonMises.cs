using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>
/// von Mises(μ, κ) on angles: κ cos(x − μ) − log(2π I₀(κ)). The density is 2π-periodic in x; as a prior its support
/// is (−π, π), the usual way to declare an angle (flows on circles and tori will lift that restriction).
/// </summary>
public sealed class VonMises : UnivariateDistribution
{
    private const double LogTwoPi = 1.8378770664093454836;

    /// <summary>Creates the distribution; parameters are checked here.</summary>
    public VonMises(double location, double concentration)
    {
        Location = Check.Finite(location, nameof(location));
        Concentration = Check.Positive(concentration, nameof(concentration));
    }

    /// <summary>The mean direction μ.</summary>
    public double Location { get; }

    /// <summary>The concentration κ (1/κ plays the role of a variance).</summary>
    public double Concentration { get; }

    /// <inheritdoc/>
    public override Constraint Support => Constraint.Interval(-Math.PI, Math.PI);

    /// <inheritdoc/>
    public override Var LogProb(Var value) => LogProb(value, Location, Concentration);

    /// <summary>Best and Fisher's (1979) wrapped-Cauchy rejection sampler, the angle wrapped into [−π, π).</summary>
    protected override double Draw(Rng rng)
    {
        double kappa = Concentration, theta;
        if (kappa < 1e-8)
        {
            theta = rng.Uniform(-Math.PI, Math.PI);
        }
        else
        {
            double a = 1 + Math.Sqrt(1 + (4 * kappa * kappa));
            double b = (a - Math.Sqrt(2 * a)) / (2 * kappa);
            double r = (1 + (b * b)) / (2 * b);
            double f;
            while (true)
            {
                double z = Math.Cos(Math.PI * rng.NextDouble());
                f = (1 + (r * z)) / (r + z);
                double c = kappa * (r - f);
                double u = rng.NextDouble();
                if (c * (2 - c) - u > 0 || Math.Log(c / u) + 1 - c >= 0)
                {
                    break;
                }
            }

            theta = Location + ((rng.NextDouble() < 0.5 ? -1 : 1) * Math.Acos(Math.Clamp(f, -1, 1)));
        }

        return theta - (2 * Math.PI * Math.Floor((theta + Math.PI) / (2 * Math.PI)));
    }

    /// <summary>Elementwise log-density of <paramref name="x"/>, differentiable in every argument (arguments broadcast).</summary>
    public static Var LogProb(Var x, Arg location, Arg concentration)
    {
        Check.Finite(location, nameof(location));
        Check.Positive(concentration, nameof(concentration));
        var t = x.Tape;
        var kappa = concentration.On(t);
        var lp = (kappa * Ops.Cos(x - location.On(t))) - Ops.LogBesselI0(kappa) - LogTwoPi;
        return SupportCheck.Restrict(lp, concentration, Domain.Positive);
    }
}
