using Inference.Autodiff;
using Inference.Distributions;
using Inference.Modeling;

namespace Inference.Models;

/// <summary>
/// Kid IQ (Gelman and Hill): kid_score ~ Normal(β₁ + β₂·mom_iq, σ), flat prior on β,
/// σ ~ half-Cauchy(0, 2.5) (the kidiq-kidscore_momiq reference posterior).
/// </summary>
public static class KidIq
{
    /// <summary>The regression of kid scores on mothers' IQ. Parameters: beta[1..2], sigma.</summary>
    public static Model Create(IReadOnlyList<double> kidScore, IReadOnlyList<double> momIq)
    {
        ArgumentNullException.ThrowIfNull(kidScore);
        ArgumentNullException.ThrowIfNull(momIq);
        if (kidScore.Count == 0 || kidScore.Count != momIq.Count)
        {
            throw new ArgumentException($"Need one mom_iq per kid_score; got {kidScore.Count} and {momIq.Count}.", nameof(momIq));
        }

        var y = Tensor.FromVector(kidScore.ToArray());
        var iq = Tensor.FromVector(momIq.ToArray());
        var sigmaPrior = new HalfCauchy(2.5);
        return Model.Create("kidiq", m =>
        {
            var beta = m.Parameter("beta", 2);
            var sigma = m.Parameter("sigma", sigmaPrior);
            var mean = Ops.Slice(beta, 0, 1) + (Ops.Slice(beta, 1, 1) * m.Tape.Constant(iq));
            m.Observe(Normal.LogProb(m.Tape.Constant(y), mean, sigma));
        });
    }
}
