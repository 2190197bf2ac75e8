using Inference.Densities;
using Inference.Randomness;

namespace Inference.Modeling;

/// <summary>Stan's initialization: uniform(−radius, radius) on the unconstrained scale, retried until finite.</summary>
public static class Initialization
{
    /// <summary>
    /// Draws an initial point where the log-density and its gradient are finite: uniform(−<paramref name="radius"/>,
    /// <paramref name="radius"/>) per coordinate, up to <paramref name="maxAttempts"/> attempts.
    /// </summary>
    /// <exception cref="InvalidOperationException">No attempt gave a finite log-density and gradient; the message names the coordinates at fault.</exception>
    public static double[] Random(ILogDensityEvaluator evaluator, IReadOnlyList<string> coordinateNames, Rng rng, double radius = 2, int maxAttempts = 100)
    {
        ArgumentNullException.ThrowIfNull(evaluator);
        ArgumentNullException.ThrowIfNull(coordinateNames);
        ArgumentNullException.ThrowIfNull(rng);
        if (!(radius >= 0) || double.IsInfinity(radius))
        {
            throw new ArgumentOutOfRangeException(nameof(radius), radius, "The radius must be finite and non-negative.");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxAttempts);
        int d = evaluator.Dimension;
        if (coordinateNames.Count != d)
        {
            throw new ArgumentException($"{coordinateNames.Count} names for dimension {d}.", nameof(coordinateNames));
        }

        var x = new double[d];
        var grad = new double[d];
        double lp = double.NaN;
        for (int attempt = 0; attempt < maxAttempts; attempt++)
        {
            for (int i = 0; i < d; i++)
            {
                x[i] = rng.Uniform(-radius, radius);
            }

            lp = evaluator.LogDensityAndGradient(x, grad);
            if (double.IsFinite(lp) && grad.All(double.IsFinite))
            {
                return x;
            }
        }

        var bad = Enumerable.Range(0, d).Where(i => !double.IsFinite(grad[i])).Select(i => coordinateNames[i]).ToArray();
        string where = bad.Length > 0
            ? $"the gradient is not finite in {string.Join(", ", bad)}"
            : $"the log-density is {lp} (no coordinate's gradient is at fault)";
        throw new InvalidOperationException($"Initialization failed after {maxAttempts} attempts in (−{radius}, {radius}): at the last attempt {where}.");
    }

    /// <summary>Stan-style initialization of a log-density (uses its coordinate names in errors).</summary>
    public static double[] Random(ILogDensity density, Rng rng, double radius = 2, int maxAttempts = 100)
    {
        ArgumentNullException.ThrowIfNull(density);
        return Random(density.CreateEvaluator(), density.CoordinateNames, rng, radius, maxAttempts);
    }
}
