using Inference.Distributions;

namespace Inference.Tests.Distributions;

/// <summary>
/// The fused location-scale density nodes give the composed formulas' values (to rounding), record one node where the
/// composed form records several, and fall back to the composed form for general broadcasting.
/// </summary>
public class FusedDensityTests
{
    private static readonly double[] X = [-3.1, -0.4, 0, 0.2, 1.7, 2.9, 12, -25, 0.001];

    [Theory]
    [InlineData(0.0, 1.0)]
    [InlineData(1.5, 0.3)]
    [InlineData(-2.0, 7.0)]
    public void Normal_MatchesTheFormula(double mu, double sigma)
    {
        var tape = new Tape();
        var lp = Normal.LogProb(tape.Constant(X), mu, sigma).Value.ToArray();
        for (int i = 0; i < X.Length; i++)
        {
            double z = (X[i] - mu) / sigma;
            Assert.Equal((-0.5 * z * z) - Math.Log(sigma) - (0.5 * Math.Log(2 * Math.PI)), lp[i], 1e-13);
        }
    }

    [Theory]
    [InlineData(1.0, 0.0, 1.0)]
    [InlineData(3.5, 1.5, 0.3)]
    [InlineData(30.0, -2.0, 7.0)]
    public void StudentT_MatchesTheFormula(double nu, double mu, double sigma)
    {
        var tape = new Tape();
        var lp = StudentT.LogProb(tape.Constant(X), nu, mu, sigma).Value.ToArray();
        var cauchy = Cauchy.LogProb(tape.Constant(X), mu, sigma).Value.ToArray();
        for (int i = 0; i < X.Length; i++)
        {
            var reference = new MathNet.Numerics.Distributions.StudentT(mu, sigma, nu);
            Assert.Equal(reference.DensityLn(X[i]), lp[i], 1e-11);
            Assert.Equal(new MathNet.Numerics.Distributions.Cauchy(mu, sigma).DensityLn(X[i]), cauchy[i], 1e-11);
        }
    }

    // z² overflows past |x| ~ 1e154: the density is −∞ there, as the composed Log1p(z²/ν) gives, not NaN
    [Fact]
    public void StudentT_FarTail_IsMinusInfinity_NotNaN()
    {
        var tape = new Tape();
        var lp = StudentT.LogProb(tape.Constant([1e200, -1e200, 1e100]), 3.5, 0.0, 1.0).Value.ToArray();
        Assert.Equal(double.NegativeInfinity, lp[0]);
        Assert.Equal(double.NegativeInfinity, lp[1]);
        Assert.Equal(new MathNet.Numerics.Distributions.StudentT(0, 1, 3.5).DensityLn(1e100), lp[2], 1e-9);
    }

    [Fact]
    public void HalfCauchy_IsTwiceTheCauchyOnTheHalfLine_AndMinusInfinityBelow()
    {
        var tape = new Tape();
        var lp = HalfCauchy.LogProb(tape.Constant([2.5, 0, -1]), 5.0).Value.ToArray();
        Assert.Equal(Math.Log(2) + new MathNet.Numerics.Distributions.Cauchy(0, 5).DensityLn(2.5), lp[0], 1e-13);
        Assert.Equal(Math.Log(2) + new MathNet.Numerics.Distributions.Cauchy(0, 5).DensityLn(0), lp[1], 1e-13);
        Assert.Equal(double.NegativeInfinity, lp[2]);
    }

    [Fact]
    public void Normal_IsOneNode_WithConstantsAsAttributes()
    {
        var tape = new Tape();
        var x = tape.Variable(X);
        int before = tape.Count;
        var lp = Normal.LogProb(x, 0.5, 2.0);
        Assert.Equal(before + 1, tape.Count);
        var mu = tape.Variable(0.1);
        var sigma = tape.Variable(1.3);
        before = tape.Count;
        Normal.LogProb(x, mu, sigma);
        Assert.Equal(before + 1, tape.Count);
        Assert.Equal(X.Length, lp.Shape.Length);
    }

    [Fact]
    public void Normal_NonPositiveTapeScale_IsMinusInfinity()
    {
        var tape = new Tape();
        var lp = Normal.LogProb(tape.Constant([1.0, 2.0]), tape.Constant(0.0), tape.Constant([-1.0, 1.0])).Value.ToArray();
        Assert.Equal(double.NegativeInfinity, lp[0]);
        Assert.True(double.IsFinite(lp[1]));
    }

    [Fact]
    public void Normal_GeneralBroadcast_ComposesTheSameValues()
    {
        var tape = new Tape();
        var x = tape.Constant([0.1, 0.2, 0.3, 0.4, 0.5, 0.6], Shape.Matrix(2, 3));
        var mu = tape.Constant([1.0, -1.0, 0.5]);
        var lp = Normal.LogProb(x, mu, 2.0).Value.ToArray();
        for (int i = 0; i < 6; i++)
        {
            double z = (((i + 1) * 0.1) - mu.Value[i % 3]) / 2.0;
            Assert.Equal((-0.5 * z * z) - Math.Log(2.0) - (0.5 * Math.Log(2 * Math.PI)), lp[i], 1e-13);
        }
    }
}
