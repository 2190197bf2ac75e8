using Inference.Randomness;

namespace Inference.Tests.Randomness;

public class RngTests
{
    /// <summary>Kolmogorov–Smirnov distance of sorted draws from a CDF.</summary>
    internal static double KsDistance(double[] draws, Func<double, double> cdf)
    {
        var sorted = (double[])draws.Clone();
        Array.Sort(sorted);
        int n = sorted.Length;
        double d = 0;
        for (int i = 0; i < n; i++)
        {
            double f = cdf(sorted[i]);
            d = Math.Max(d, Math.Max(((i + 1.0) / n) - f, f - ((double)i / n)));
        }

        return d;
    }

    /// <summary>The KS critical distance at level α for n draws (asymptotic: sqrt(−ln(α/2)/2)/√n).</summary>
    internal static double KsCritical(int n, double alpha) => Math.Sqrt(-Math.Log(alpha / 2) / 2) / Math.Sqrt(n);

    [Fact]
    public void SameSeed_SameStream_DifferentSeed_DifferentStream()
    {
        var a = new Rng(42);
        var b = new Rng(42);
        var c = new Rng(43);
        bool anyDifferent = false;
        for (int i = 0; i < 100; i++)
        {
            ulong va = a.NextUInt64();
            Assert.Equal(va, b.NextUInt64());
            anyDifferent |= va != c.NextUInt64();
        }

        Assert.True(anyDifferent);
    }

    [Fact]
    public void Uniform_PassesKolmogorovSmirnov()
    {
        var rng = new Rng(7);
        var draws = new double[20000];
        for (int i = 0; i < draws.Length; i++)
        {
            draws[i] = rng.NextDouble();
            Assert.InRange(draws[i], 0, 1 - 1e-17);
        }

        Assert.True(KsDistance(draws, u => u) < KsCritical(draws.Length, 1e-3));
    }

    [Fact]
    public void Normal_PassesKolmogorovSmirnov()
    {
        var rng = new Rng(8);
        var draws = new double[20000];
        rng.Normal(draws);
        Assert.True(KsDistance(draws, z => MathNet.Numerics.Distributions.Normal.CDF(0, 1, z)) < KsCritical(draws.Length, 1e-3));
    }

    [Fact]
    public void Exponential_PassesKolmogorovSmirnov()
    {
        var rng = new Rng(9);
        var draws = Enumerable.Range(0, 20000).Select(_ => rng.Exponential()).ToArray();
        Assert.True(KsDistance(draws, x => 1 - Math.Exp(-x)) < KsCritical(draws.Length, 1e-3));
    }

    [Fact]
    public void NextInt_IsUniformOverItsRange()
    {
        var rng = new Rng(10);
        var counts = new int[7];
        const int N = 70000;
        for (int i = 0; i < N; i++)
        {
            counts[rng.Next(7)]++;
        }

        // χ² with 6 degrees of freedom; the 0.999 quantile is 22.46.
        double chi2 = counts.Sum(c => (c - (N / 7.0)) * (c - (N / 7.0)) / (N / 7.0));
        Assert.True(chi2 < 22.46, $"χ² = {chi2}");
        Assert.Equal(5, rng.Next(5, 6));
    }

    [Fact]
    public void SeedSequence_StreamsAreReproducibleAndDistinct()
    {
        var seq = new SeedSequence(2024);
        Assert.Equal(seq.Stream(3).NextUInt64(), new SeedSequence(2024).Stream(3).NextUInt64());
        var firsts = Enumerable.Range(0, 64).Select(i => seq.Stream(i).NextUInt64()).ToHashSet();
        Assert.Equal(64, firsts.Count);
        Assert.NotEqual(seq.StreamSeed(0), seq.Spawn(0).StreamSeed(0));
    }

    [Fact]
    public void MathNetSamplers_AcceptRng()
    {
        var rng = new Rng(11);
        var draws = Enumerable.Range(0, 20000).Select(_ => MathNet.Numerics.Distributions.Gamma.Sample(rng, 2.5, 1.5)).ToArray();
        Assert.True(KsDistance(draws, x => MathNet.Numerics.Distributions.Gamma.CDF(2.5, 1.5, x)) < KsCritical(draws.Length, 1e-3));
    }
}
