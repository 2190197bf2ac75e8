using Inference.Distributions;
using Inference.Modeling;

namespace Inference.Models;

/// <summary>
/// Neal's funnel in its centered parameterization: v ~ Normal(0, 3), x[i] ~ Normal(0, exp(v/2)),
/// i = 1..K. Exact marginals: v ~ N(0, 3²), x[i] has mean 0 and sd exp(9/4).
/// </summary>
public static class Funnel
{
    /// <summary>The funnel with <paramref name="k"/> x's (the reference posterior uses 9: dimension 10).</summary>
    public static Model Create(int k = 9)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var vPrior = new Normal(0, 3);
        return Model.Create("funnel", m =>
        {
            var v = m.Parameter("v", vPrior);
            var x = m.Parameter("x", k);
            m.Prior(Normal.LogProb(x, 0.0, Autodiff.Ops.Exp(v * 0.5)));
        });
    }
}
