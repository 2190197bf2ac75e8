using Inference.Densities;
using Inference.Flows;
using Inference.Randomness;

namespace Inference.Tests.Densities;

public class LaplaceApproximationTests
{
    // N(μ, Σ) with Σ = [[4, 1.8], [1.8, 1]] (correlation 0.9), far from the origin
    private static readonly double[] Mu = [30, -12];
    private static readonly double[,] Sigma = { { 4, 1.8 }, { 1.8, 1 } };

    private static ILogDensity Gaussian()
    {
        double det = (Sigma[0, 0] * Sigma[1, 1]) - (Sigma[0, 1] * Sigma[1, 0]);
        double p00 = Sigma[1, 1] / det, p11 = Sigma[0, 0] / det, p01 = -Sigma[0, 1] / det;
        return LogDensity.FromTape(2, x =>
        {
            var a = Ops.Slice(x, 0, 1) - Mu[0];
            var b = Ops.Slice(x, 1, 1) - Mu[1];
            return Ops.Sum(-0.5 * ((p00 * Ops.Square(a)) + (2 * p01 * a * b) + (p11 * Ops.Square(b))));
        });
    }

    [Fact]
    public void OnAGaussian_RecoversTheMeanAndCovariance()
    {
        var laplace = LaplaceApproximation.Fit(Gaussian());
        Assert.True(laplace.Converged);
        Assert.True(laplace.HessianWasPositiveDefinite);
        for (int i = 0; i < 2; i++)
        {
            Assert.Equal(Mu[i], laplace.Mode[i], 1e-6);
            for (int j = 0; j < 2; j++)
            {
                Assert.Equal(Sigma[i, j], laplace.Covariance[i, j], 1e-6);
            }
        }

        // L Lᵀ = Σ with L lower-triangular
        var l = laplace.CholeskyFactor;
        Assert.Equal(0, l[0, 1]);
        Assert.Equal(Sigma[1, 0], (l[1, 0] * l[0, 0]) + (l[1, 1] * l[0, 1]), 1e-9);
    }

    [Fact]
    public void Whitened_Flows_StartAtTheLaplaceApproximation()
    {
        var target = Gaussian();
        var laplace = LaplaceApproximation.Fit(target);
        var x = new double[] { 28.5, -12.7 };
        var tape = new Tape();
        double expected = target.CreateEvaluator().LogDensity(x) - Math.Log(2 * Math.PI) - (0.5 * Math.Log(0.76)); // normalized N(μ, Σ), det Σ = 0.76
        foreach (var flow in new[] { FlowDistribution.FullRank(2), FlowDistribution.RealNvp(2, 2, [8], new Rng(1)), FlowDistribution.MaskedAutoregressive(2, 2, [8], new Rng(2)) })
        {
            var whitened = flow.Whiten(laplace);
            Assert.Equal(expected, whitened.LogProb(tape.Constant(x)).Item, 1e-6);
        }

        // the mean-field one gets the marginal sds
        var meanField = FlowDistribution.MeanField(2).Whiten(laplace);
        var diagonal = (Inference.Flows.Bijectors.ElementwiseAffine)meanField.Transform;
        Assert.Equal(Math.Log(2), diagonal.LogScale.Value[0], 1e-6);
        Assert.Equal(Mu[1], diagonal.Location.Value[1], 1e-6);
    }

    [Fact]
    public void BadInput_IsRejectedBeforeAnyWork()
    {
        Assert.Equal("initial", Assert.Throws<ArgumentException>(() => LaplaceApproximation.Fit(Gaussian(), [1.0])).ParamName);
        var improper = LogDensity.FromTape(1, x => Ops.Sum(Ops.Log(x)));
        Assert.Equal("initial", Assert.Throws<ArgumentException>(() => LaplaceApproximation.Fit(improper)).ParamName);
        Assert.Equal("laplace", Assert.Throws<ArgumentException>(() => FlowDistribution.MeanField(3).Whiten(LaplaceApproximation.Fit(Gaussian()))).ParamName);
    }
}
