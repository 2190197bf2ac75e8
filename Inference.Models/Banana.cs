using Inference.Distributions;
using Inference.Modeling;

namespace Inference.Models;

/// <summary>
/// Haario's twisted Gaussian ("banana", b = 0.03): x₁ ~ Normal(0, 10), x₂ | x₁ ~ Normal(b·(x₁² − 100), 1).
/// Normalized (log Z = 0); exact means (0, 0) and variances (100, 1 + 2b²·100² = 19). One of the flow
/// benchmark targets of reference/fixtures/torch-figures.md.
/// </summary>
public static class Banana
{
    /// <summary>The banana with twist <paramref name="b"/>.</summary>
    public static Model Create(double b = 0.03)
    {
        if (!double.IsFinite(b))
        {
            throw new ArgumentOutOfRangeException(nameof(b), b, "The twist must be finite.");
        }

        var x1Prior = new Normal(0, 10);
        return Model.Create("banana", m =>
        {
            var x1 = m.Parameter("x1", x1Prior);
            var x2 = m.Parameter("x2");
            m.Prior(Normal.LogProb(x2, b * (Autodiff.Ops.Square(x1) - 100), 1.0));
        });
    }
}
