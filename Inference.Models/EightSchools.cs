using Inference.Autodiff;
using Inference.Distributions;
using Inference.Modeling;

namespace Inference.Models;

/// <summary>
/// Rubin's eight schools: effects y[j] with known standard errors σ[j]; θ[j] ~ Normal(μ, τ),
/// μ ~ Normal(0, 5), τ ~ half-Cauchy(0, 5). The centered form has the funnel geometry that troubles
/// NUTS; the non-centered form samples θ_trans ~ Normal(0, 1) and sets θ = μ + τ·θ_trans.
/// </summary>
public static class EightSchools
{
    /// <summary>The classic observed effects.</summary>
    public static IReadOnlyList<double> Effects { get; } = [28, 8, -3, 7, -1, 1, 18, 12];

    /// <summary>The classic standard errors.</summary>
    public static IReadOnlyList<double> StandardErrors { get; } = [15, 10, 16, 11, 9, 11, 10, 18];

    /// <summary>Non-centered, classic data. Parameters: theta_trans[1..8], mu, tau; derived: theta[1..8].</summary>
    public static Model NonCentered() => NonCentered(Effects, StandardErrors);

    /// <summary>Non-centered with the given data.</summary>
    public static Model NonCentered(IReadOnlyList<double> effects, IReadOnlyList<double> standardErrors)
    {
        var (y, sigma) = Data(effects, standardErrors);
        int j = y.Length;
        var standard = new Normal(0, 1);
        var muPrior = new Normal(0, 5);
        var tauPrior = new HalfCauchy(5);
        return Model.Create("eight_schools_noncentered", m =>
        {
            var thetaTrans = m.Parameter("theta_trans", j, standard);
            var mu = m.Parameter("mu", muPrior);
            var tau = m.Parameter("tau", tauPrior);
            var theta = mu + (tau * thetaTrans);
            m.Observe(Normal.LogProb(m.Tape.Constant(y), theta, m.Tape.Constant(sigma)));
            m.Derived("theta", theta);
        });
    }

    /// <summary>Centered, classic data. Parameters: theta[1..8], mu, tau.</summary>
    public static Model Centered() => Centered(Effects, StandardErrors);

    /// <summary>Centered with the given data.</summary>
    public static Model Centered(IReadOnlyList<double> effects, IReadOnlyList<double> standardErrors)
    {
        var (y, sigma) = Data(effects, standardErrors);
        int j = y.Length;
        var muPrior = new Normal(0, 5);
        var tauPrior = new HalfCauchy(5);
        return Model.Create("eight_schools_centered", m =>
        {
            var theta = m.Parameter("theta", j);
            var mu = m.Parameter("mu", muPrior);
            var tau = m.Parameter("tau", tauPrior);
            m.Prior(Normal.LogProb(theta, mu, tau));
            m.Observe(Normal.LogProb(m.Tape.Constant(y), theta, m.Tape.Constant(sigma)));
        });
    }

    private static (Tensor Y, Tensor Sigma) Data(IReadOnlyList<double> effects, IReadOnlyList<double> standardErrors)
    {
        ArgumentNullException.ThrowIfNull(effects);
        ArgumentNullException.ThrowIfNull(standardErrors);
        if (effects.Count == 0 || effects.Count != standardErrors.Count)
        {
            throw new ArgumentException($"Need one standard error per effect; got {effects.Count} effects and {standardErrors.Count} standard errors.", nameof(standardErrors));
        }

        if (standardErrors.Any(s => !(s > 0)))
        {
            throw new ArgumentOutOfRangeException(nameof(standardErrors), "Standard errors must be positive.");
        }

        return (Tensor.FromVector(effects.ToArray()), Tensor.FromVector(standardErrors.ToArray()));
    }
}
