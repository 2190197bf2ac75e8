using Inference.Autodiff;
using Inference.Modeling;

namespace Inference.Models;

/// <summary>
/// The 2-D Rosenbrock ("banana") density p(x1, x2) ∝ exp(−a(x1 − μ)² − b(x2 − x1²)²): x1 ~ N(μ, 1/(2a)),
/// x2 | x1 ~ N(x1², 1/(2b)). Defaults a = 1/20, b = 5, μ = 1 (E x2 = 11, Var x2 = 240.1).
/// </summary>
public static class Rosenbrock
{
    /// <summary>The banana with the given constants.</summary>
    public static Model Create(double a = 0.05, double b = 5, double mu = 1)
    {
        if (!(a > 0) || !(b > 0) || !double.IsFinite(mu))
        {
            throw new ArgumentException($"Need a > 0, b > 0 and finite μ; got a = {a}, b = {b}, μ = {mu}.", nameof(a));
        }

        return Model.Create("rosenbrock", m =>
        {
            var x1 = m.Parameter("x1");
            var x2 = m.Parameter("x2");
            m.AddLogDensity((-a * Ops.Square(x1 - mu)) - (b * Ops.Square(x2 - Ops.Square(x1))));
        });
    }
}
