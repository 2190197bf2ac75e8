using Inference.Densities;
using Inference.Diagnostics;
using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Models;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;
using MN = MathNet.Numerics.Distributions;

namespace Inference.Tests.Samplers;

public class NeuTraTests
{
    private const double Rho = 0.99;

    /// <summary>N(μ, Σ), Σ = [[1, ρ], [ρ, 1]], μ = (1, −2), unnormalized.</summary>
    private static ILogDensity Correlated() => LogDensity.FromTape(2, x =>
    {
        var a = Ops.Slice(x, 0, 1) - 1.0;
        var b = Ops.Slice(x, 1, 1) + 2.0;
        return Ops.Sum(-0.5 / (1 - (Rho * Rho)) * (Ops.Square(a) + Ops.Square(b) - (2 * Rho * a * b)));
    });

    /// <summary>The exact map T(z) = μ + Lz with LLᵀ = Σ.</summary>
    private static LowerTriangularAffine ExactMap()
    {
        var t = new LowerTriangularAffine(2);
        t.Location.Value[0] = 1;
        t.Location.Value[1] = -2;
        // L = [[1, 0], [ρ, √(1 − ρ²)]]: raw diagonal holds log L_ii
        t.Raw.Value[0] = 0;
        t.Raw.Value[2] = Rho;
        t.Raw.Value[3] = Math.Log(Math.Sqrt(1 - (Rho * Rho)));
        return t;
    }

    [Fact]
    public void ExactAffineMap_MakesThePulledBackDensityStandardNormal()
    {
        var ev = new NeuTraDensity(Correlated(), ExactMap()).CreateEvaluator();
        var rng = new Rng(1);
        double? offset = null;
        var z = new double[2];
        var g = new double[2];
        for (int i = 0; i < 20; i++)
        {
            rng.Normal(z);
            double lz = ev.LogDensityAndGradient(z, g);
            double reference = MN.Normal.PDFLn(0, 1, z[0]) + MN.Normal.PDFLn(0, 1, z[1]);
            offset ??= lz - reference;
            Assert.Equal(offset.Value, lz - reference, 1e-12);
            // ∇ log N(z) = −z
            Assert.Equal(-z[0], g[0], 1e-9);
            Assert.Equal(-z[1], g[1], 1e-9);
        }
    }

    [Fact]
    public void Gradient_ThroughAFlowAndAModel_MatchesFiniteDifferences()
    {
        var model = EightSchools.NonCentered().Compile();
        var rng = new Rng(2);
        var flow = FlowDistribution.RealNvp(model.Dimension, 2, [16], rng);
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] += 0.1 * rng.Normal();
            }
        }

        var ev = new NeuTraDensity(model, flow.Transform).CreateEvaluator();
        var z = new double[model.Dimension];
        rng.Normal(z);
        var g = new double[model.Dimension];
        ev.LogDensityAndGradient(z, g);
        double worst = 0;
        for (int i = 0; i < z.Length; i++)
        {
            double z0 = z[i], h = 1e-6;
            z[i] = z0 + h;
            double fp = ev.LogDensity(z);
            z[i] = z0 - h;
            double fm = ev.LogDensity(z);
            z[i] = z0;
            double numeric = (fp - fm) / (2 * h);
            worst = Math.Max(worst, Math.Abs(numeric - g[i]) / Math.Max(1, Math.Abs(numeric)));
        }

        Assert.True(worst < 1e-6, $"worst relative error {worst:E2}");
    }

    [Fact]
    public void NeuTraNuts_WithTheExactMap_IsShallowAndFarMoreEfficientThanPlainNuts()
    {
        var settings = new RunSettings { Seed = 8, Metric = MetricKind.Unit };
        var plain = ChainRunner.Nuts(Correlated(), settings);
        var neutra = ChainRunner.Nuts(new NeuTraDensity(Correlated(), ExactMap()), settings);
        double Efficiency(Inference.Results.PosteriorDraws t) => Math.Min(Convergence.EssBulk(t.Column(0)), Convergence.EssBulk(t.Column(1))) / t.SamplingGradients;
        double meanDepth = neutra.Chains.SelectMany(c => c.Stats).Average(s => s.TreeDepth);
        Assert.True(meanDepth <= 3, $"mean tree depth {meanDepth:F2}");
        Assert.True(Efficiency(neutra) >= 5 * Efficiency(plain), $"NeuTra {1000 * Efficiency(neutra):F1} vs plain {1000 * Efficiency(plain):F1} ESS per 1000 gradients");
        // draws come back on the target's scale: x = T(z) has mean (1, −2)
        var x0 = neutra.Column(0);
        Assert.True(Math.Abs(Summaries.Mean(x0) - 1) < 4 * Summaries.McseMean(x0));
        var x1 = neutra.Column(1);
        Assert.True(Math.Abs(Summaries.Mean(x1) + 2) < 4 * Summaries.McseMean(x1));
    }

    [Fact]
    public void MismatchedDimensions_AreRejected()
    {
        Assert.Equal("transform", Assert.Throws<ArgumentException>(() => new NeuTraDensity(Correlated(), new ElementwiseAffine(3))).ParamName);
    }
}
