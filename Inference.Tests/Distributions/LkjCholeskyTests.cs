using Inference.Distributions;
using Inference.Randomness;
using Inference.Tests.Randomness;
using Inference.Transforms.Bijectors;
using MN = MathNet.Numerics.Distributions;

namespace Inference.Tests.Distributions;

public class LkjCholeskyTests
{
    [Theory]
    [InlineData(0.5)]
    [InlineData(1.0)]
    [InlineData(3.0)]
    public void TwoByTwo_MatchesTheClosedForm(double eta)
    {
        // For K = 2, ρ = L₂₁ has density (1 − ρ²)^{η−1} / (2^{2η−1} B(η, η)).
        var tape = new Tape();
        foreach (double rho in new[] { -0.9, -0.3, 0.0, 0.45, 0.8 })
        {
            double l22 = Math.Sqrt(1 - (rho * rho));
            var lp = LkjCholesky.LogProb(tape.Constant([1.0, 0, rho, l22], Shape.Matrix(2, 2)), eta).Item;
            double expected = ((eta - 1) * Math.Log(1 - (rho * rho))) - (((2 * eta) - 1) * Math.Log(2)) - MathNet.Numerics.SpecialFunctions.BetaLn(eta, eta);
            Assert.Equal(expected, lp, 1e-12);
        }
    }

    /// <summary>∫ p(L(y)) |J(y)| dy = 1, estimated by importance sampling y ~ N(0, I) through the Cholesky-correlation transform.</summary>
    [Theory]
    [InlineData(3, 1.0)]
    [InlineData(3, 2.5)]
    [InlineData(4, 0.8)]
    [InlineData(4, 1.7)]
    public void Density_IntegratesToOne(int k, double eta)
    {
        var bijector = new CholeskyCorrelationBijector(k);
        int d = bijector.InputDimension;
        var rng = new Rng(Seeds.OpInputs + k);
        var tape = new Tape();
        const int N = 40000;
        var w = new double[N];
        var y = new double[d];
        for (int i = 0; i < N; i++)
        {
            tape.Reset();
            rng.Normal(y);
            var l = bijector.Forward(tape.Constant(y), out var logJ);
            double logQ = y.Sum(v => MN.Normal.PDFLn(0, 1, v));
            w[i] = Math.Exp(LkjCholesky.LogProb(l, eta).Item + logJ.Item - logQ);
        }

        double mean = w.Average();
        double se = Math.Sqrt(w.Select(v => (v - mean) * (v - mean)).Sum() / (N - 1) / N);
        Assert.True(Math.Abs(mean - 1) < 4 * se, $"K = {k}, η = {eta}: integral {mean:F4} ± {se:F4}");
        Assert.True(se < 0.05, $"standard error {se} too large for a meaningful check");
    }

    [Fact]
    public void Gradients_InTheFactorAndShape_MatchFiniteDifferences()
    {
        var bijector = new CholeskyCorrelationBijector(3);
        var result = GradCheck.Check(v => LkjCholesky.LogProb(bijector.Forward(v[0], out _), v[1]), [Tensor.FromVector([0.3, -0.5, 0.8]), Tensor.FromScalar(1.7)]);
        Assert.True(result.MaxRelativeError < 1e-6, result.ToString());
    }

    [Theory]
    [InlineData(3, 1.0)]
    [InlineData(4, 2.0)]
    public void Sampling_GivesTheKnownCorrelationMarginal(int k, double eta)
    {
        // Every off-diagonal correlation is 2·Beta(b, b) − 1 with b = η − 1 + K/2; R₂₁ = L₂₁ and R_K1 = L_K1.
        const int N = 20000;
        var draws = new double[N * k * k];
        new LkjCholesky(k, eta).Sample(new Rng(31), draws);
        double b = eta - 1 + (k / 2.0);
        foreach (int row in new[] { 1, k - 1 })
        {
            var r = Enumerable.Range(0, N).Select(i => draws[(i * k * k) + (row * k)]).ToArray();
            double distance = RngTests.KsDistance(r, x => MN.Beta.CDF(b, b, (x + 1) / 2));
            Assert.True(distance < RngTests.KsCritical(N, 1e-3), $"row {row}: KS {distance:F4}");
        }

        for (int i = 0; i < 20; i++)
        {
            Assert.True(global::Inference.Transforms.Constraint.CholeskyCorrelation.Contains(draws.AsSpan(i * k * k, k * k)));
        }
    }
}
