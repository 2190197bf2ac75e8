using Inference.Autodiff;
using Inference.Distributions;
using Inference.Modeling;
using Inference.Randomness;

namespace Inference.Models;

/// <summary>
/// Bayesian logistic regression: α ~ Normal(0, 2.5), β[d] ~ Normal(0, 1), y ~ Bernoulli(logit⁻¹(α + Xβ)).
/// </summary>
public static class LogisticRegression
{
    /// <summary>The regression of the 0/1 outcomes <paramref name="y"/> on the columns of <paramref name="x"/> (N × D). Parameters: alpha, beta[1..D].</summary>
    /// <exception cref="ArgumentException">The shapes disagree, or an outcome is not 0 or 1.</exception>
    /// <param name="x">Predictors.</param>
    /// <param name="y">Outcomes.</param>
    /// <param name="glm">The likelihood as one fused node (<see cref="Bernoulli.LogProbLogitGlm"/>, Stan's <c>bernoulli_logit_glm</c>)
    /// instead of <c>Bernoulli.LogProbLogit(y, α + Xβ)</c>: the same log-density, no pointwise log-likelihood.</param>
    public static Model Create(Tensor x, IReadOnlyList<double> y, bool glm = false)
    {
        ArgumentNullException.ThrowIfNull(x);
        ArgumentNullException.ThrowIfNull(y);
        if (x.Shape.Rank != 2 || x.Shape[0] != y.Count)
        {
            throw new ArgumentException($"X must be N × D with N = {y.Count} rows; got {x.Shape}.", nameof(x));
        }

        if (y.Any(v => v is not (0 or 1)))
        {
            throw new ArgumentException("Every outcome must be 0 or 1.", nameof(y));
        }

        int d = x.Shape[1];
        var yt = Tensor.FromVector(y.ToArray());
        var alphaPrior = new Normal(0, 2.5);
        var betaPrior = new Normal(0, 1);
        return Model.Create("logistic_regression", m =>
        {
            var alpha = m.Parameter("alpha", alphaPrior);
            var beta = m.Parameter("beta", d, betaPrior);
            if (glm)
            {
                m.Observe(Bernoulli.LogProbLogitGlm(m.Data("y", yt), m.Data("X", x), alpha, beta));
                return;
            }

            var eta = alpha + Ops.MatMul(m.Data("X", x), beta);
            m.Observe(Bernoulli.LogProbLogit(m.Data("y", yt), eta));
        });
    }

    /// <summary>
    /// Simulated data: <paramref name="rows"/> × <paramref name="predictors"/> standard-normal predictors, coefficients
    /// drawn from Normal(0, 0.5), α = 0.3, outcomes drawn from the model; reproducible from <paramref name="seed"/>.
    /// </summary>
    public static (Tensor X, double[] Y) Simulate(int rows, int predictors, ulong seed)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(predictors);
        var rng = new Rng(seed);
        var x = new double[rows * predictors];
        rng.Normal(x);
        var beta = new double[predictors];
        rng.Normal(beta);
        var y = new double[rows];
        for (int i = 0; i < rows; i++)
        {
            double eta = 0.3;
            for (int j = 0; j < predictors; j++)
            {
                eta += 0.5 * beta[j] * x[(i * predictors) + j];
            }

            y[i] = rng.NextDouble() < 1 / (1 + Math.Exp(-eta)) ? 1 : 0;
        }

        return (new Tensor(x, Shape.Matrix(rows, predictors)), y);
    }
}
