using Inference.Autodiff;
using Inference.Distributions;
using Inference.Modeling;

namespace Inference.Models;

/// <summary>
/// Bayesian linear regression: β[d] ~ Normal(0, 10), σ ~ half-Normal(0, 10), y ~ Normal(Xβ, σ)
/// (the sblrc-blr reference posterior).
/// </summary>
public static class LinearRegression
{
    /// <summary>The regression of <paramref name="y"/> on the columns of <paramref name="x"/> (N × D). Parameters: beta[1..D], sigma.</summary>
    public static Model Create(Tensor x, IReadOnlyList<double> y, double priorScale = 10)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Shape.Rank != 2 || x.Shape[0] != y.Count)
        {
            throw new ArgumentException($"X must be N × D with N = {y.Count} rows; got {x.Shape}.", nameof(x));
        }

        if (!(priorScale > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(priorScale), priorScale, "Must be positive.");
        }

        int d = x.Shape[1];
        var yt = Tensor.FromVector(y.ToArray());
        var betaPrior = new Normal(0, priorScale);
        var sigmaPrior = new HalfNormal(priorScale);
        return Model.Create("linear_regression", m =>
        {
            var beta = m.Parameter("beta", d, betaPrior);
            var sigma = m.Parameter("sigma", sigmaPrior);
            m.Observe(Normal.LogProb(m.Tape.Constant(yt), Ops.MatMul(m.Tape.Constant(x), beta), sigma));
        });
    }
}
