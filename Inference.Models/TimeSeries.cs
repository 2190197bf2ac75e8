using Inference.Autodiff;
using Inference.Distributions;
using Inference.Modeling;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Models;

/// <summary>
/// ARMA(1,1) and GARCH(1,1) as posteriordb writes them (arma11, garch11), with their recursions as one
/// <see cref="Ops.Scan"/> node, or (<c>loop: true</c>) as Stan writes them, one scalar step at a time (for comparison).
/// </summary>
public static class TimeSeries
{
    /// <summary>
    /// ARMA(1,1): νₜ = μ + φyₜ₋₁ + θεₜ₋₁ (ν₁ = μ + φμ), εₜ = yₜ − νₜ ~ Normal(0, σ); μ ~ N(0, 10), φ, θ ∈ (−1, 1) ~ N(0, 2),
    /// σ ~ half-Cauchy(0, 5). Parameters: mu, phi, theta, sigma.
    /// </summary>
    public static Model Arma11(IReadOnlyList<double> y, bool loop = false)
    {
        var data = Series(y, nameof(y));
        int n = data.Length;
        var muPrior = new Normal(0, 10);
        var coefficientPrior = new Normal(0, 2);
        var sigmaPrior = new HalfCauchy(5);
        var stationary = Constraint.Interval(-1, 1);   // made once: the body runs at every evaluation
        var yt = Tensor.FromVector(data);
        return Model.Create("arma11", m =>
        {
            var mu = m.Parameter("mu", muPrior);
            var phi = m.Parameter("phi", stationary, coefficientPrior);
            var theta = m.Parameter("theta", stationary, coefficientPrior);
            var sigma = m.Parameter("sigma", sigmaPrior);
            var yv = m.Data("y", yt);
            Var err;
            if (loop)
            {
                var errors = new Var[n];
                errors[0] = (data[0] - (mu + (phi * mu))) * 1.0;
                for (int t = 1; t < n; t++)
                {
                    errors[t] = data[t] - (mu + (phi * data[t - 1]) + (theta * errors[t - 1]));
                }

                err = Ops.Concat(errors);
            }
            else
            {
                // εₜ = (yₜ − μ − φyₜ₋₁) − θεₜ₋₁, the first term from ν₁ = μ + φμ
                var first = Ops.Slice(yv, 0, 1) - (mu + (phi * mu));
                var rest = Ops.Slice(yv, 1, n - 1) - mu - (phi * Ops.Slice(yv, 0, n - 1));
                err = Ops.Scan(Ops.Concat([first, rest]), -theta, m.Tape.Constant(0.0));
            }

            m.Observe(Normal.LogProb(err, 0.0, sigma));
        });
    }

    /// <summary>
    /// GARCH(1,1): σ²ₜ = α₀ + α₁(yₜ₋₁ − μ)² + β₁σ²ₜ₋₁ (σ₁ given), yₜ ~ Normal(μ, σₜ); α₀ &gt; 0, α₁ ∈ (0, 1),
    /// β₁ ∈ (0, 1 − α₁), flat priors. Parameters: mu, alpha0, alpha1, beta1.
    /// </summary>
    public static Model Garch11(IReadOnlyList<double> y, double sigma1, bool loop = false)
    {
        var data = Series(y, nameof(y));
        if (!(sigma1 > 0) || !double.IsFinite(sigma1))
        {
            throw new ArgumentOutOfRangeException(nameof(sigma1), sigma1, "The first volatility must be positive and finite.");
        }

        int n = data.Length;
        var yt = Tensor.FromVector(data);
        var unit = Constraint.Interval(0, 1);
        return Model.Create("garch11", m =>
        {
            var mu = m.Parameter("mu");
            var alpha0 = m.Parameter("alpha0", Constraint.Positive);
            var alpha1 = m.Parameter("alpha1", unit);
            var beta1 = m.Parameter("beta1", Bounds.Interval(0.0, 1.0 - alpha1));
            var yv = m.Data("y", yt);
            Var sigma;
            if (loop)
            {
                var s = new Var[n];
                s[0] = m.Tape.Constant(sigma1);
                for (int t = 1; t < n; t++)
                {
                    s[t] = Ops.Sqrt(alpha0 + (alpha1 * Ops.Square(data[t - 1] - mu)) + (beta1 * Ops.Square(s[t - 1])));
                }

                sigma = Ops.Concat(s);
            }
            else
            {
                // the variances: σ²₁, then α₀ + α₁(yₜ₋₁ − μ)² + β₁σ²ₜ₋₁
                var shocks = alpha0 + (alpha1 * Ops.Square(Ops.Slice(yv, 0, n - 1) - mu));
                var variance = Ops.Scan(Ops.Concat([m.Tape.Constant(sigma1 * sigma1), shocks]), beta1, m.Tape.Constant(0.0));
                sigma = Ops.Sqrt(variance);
            }

            m.Observe(Normal.LogProb(yv, mu, sigma));
        });
    }

    /// <summary>A simulated ARMA(1,1) series (μ = 0.2, φ = 0.5, θ = 0.3, σ = 1), reproducible from <paramref name="seed"/>.</summary>
    public static double[] SimulateArma11(int length, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        var rng = new Rng(seed);
        var y = new double[length];
        double previousError = 0, previousY = 0.2;
        for (int t = 0; t < length; t++)
        {
            double e = rng.Normal();
            y[t] = 0.2 + (0.5 * (previousY - 0.2)) + (0.3 * previousError) + e;
            previousError = e;
            previousY = y[t];
        }

        return y;
    }

    /// <summary>A simulated GARCH(1,1) series (μ = 0.1, α₀ = 0.2, α₁ = 0.3, β₁ = 0.5, σ₁ = 1), reproducible from <paramref name="seed"/>.</summary>
    public static double[] SimulateGarch11(int length, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 2);
        var rng = new Rng(seed);
        var y = new double[length];
        double variance = 1;
        for (int t = 0; t < length; t++)
        {
            if (t > 0)
            {
                variance = 0.2 + (0.3 * (y[t - 1] - 0.1) * (y[t - 1] - 0.1)) + (0.5 * variance);
            }

            y[t] = 0.1 + (Math.Sqrt(variance) * rng.Normal());
        }

        return y;
    }

    private static double[] Series(IReadOnlyList<double> y, string name)
    {
        ArgumentNullException.ThrowIfNull(y, name);
        if (y.Count < 2)
        {
            throw new ArgumentException($"A series needs at least 2 observations; got {y.Count}.", name);
        }

        var data = y.ToArray();
        if (data.Any(v => !double.IsFinite(v)))
        {
            throw new ArgumentException("Every observation must be finite.", name);
        }

        return data;
    }
}
