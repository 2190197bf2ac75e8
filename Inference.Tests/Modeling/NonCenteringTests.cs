using Inference.Densities;
using Inference.Diagnostics;
using Inference.Distributions;
using Inference.Modeling;
using Inference.Models;
using Inference.Randomness;
using Inference.Reference;
using Inference.Samplers.Reparam;
using Inference.Workflow.Automatic;
using Inference.Workflow.Comparison;

namespace Inference.Tests.Modeling;

/// <summary>Automatic non-centering: the sites read off a model's tape, the bijector's arithmetic, and the automatic call on centered hierarchies.</summary>
public class NonCenteringTests
{
    private static double[] Point(int d, ulong seed, double scale = 1)
    {
        var rng = new Rng(seed);
        return Enumerable.Range(0, d).Select(_ => scale * rng.Normal()).ToArray();
    }

    [Fact]
    public void EightSchoolsCentered_NonCentersTheta_AndSaysWhyTauIsLeftAlone()
    {
        var analysis = NonCenteredBijector.Analyze(EightSchools.Centered().Compile());
        Assert.NotNull(analysis.Bijector);
        Assert.Equal(["theta"], analysis.Bijector!.Parameters);
        var theta = Assert.Single(analysis.Sites, s => s.Parameter == "theta");
        Assert.True(theta.NonCentered);
        Assert.Contains("location and scale depend on other parameters", theta.Reason, StringComparison.Ordinal);
        // the priors of mu (normal) and tau (half-Cauchy: Student's t with ν = 1) have constant locations and scales
        foreach (var name in new[] { "mu", "tau" })
        {
            var site = Assert.Single(analysis.Sites, s => s.Parameter == name);
            Assert.False(site.NonCentered);
            Assert.Contains("constants", site.Reason, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void ConstrainedParameter_IsLeftAlone_AndSaysSo()
    {
        // sigma_g ~ Normal(m, s) on a positive sigma_g: its unconstrained coordinate is log sigma_g, not sigma_g
        var model = Model.Create("constrained", m =>
        {
            var loc = m.Parameter("loc", new Normal(0, 1));
            var sigma = m.Parameter("sigma", 2, Inference.Transforms.Constraint.Positive);
            m.Prior(Normal.LogProb(sigma, loc, 1.0));
        }).Compile();
        var analysis = NonCenteredBijector.Analyze(model);
        Assert.Null(analysis.Bijector);
        Assert.Contains("constrained", analysis.Sites.Single(s => s.Parameter == "sigma").Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelsWithoutSuchTerms_GetNoBijector()
    {
        // the banana's terms are written out, the rotated Gaussian's argument is Qᵀx (not a parameter), the
        // non-centered eight schools' theta_trans has a constant location and scale
        Assert.Null(NonCenteredBijector.Analyze(Rosenbrock.Create().Compile()).Bijector);
        Assert.Null(NonCenteredBijector.Analyze(EightSchools.NonCentered().Compile()).Bijector);
        var q = Tensor.FromMatrix(new double[,] { { 0.6, -0.8 }, { 0.8, 0.6 } });
        Assert.Null(NonCenteredBijector.Analyze(RotatedGaussian.Create([1.0, 3.0], q).Compile()).Bijector);
    }

    [Fact]
    public void SiteWhoseScaleDependsOnItself_OrOnANonCenteredBlock_IsLeftAlone()
    {
        var model = Model.Create("chain", m =>
        {
            var a = m.Parameter("a", new Normal(0, 1));
            var b = m.Parameter("b", 3);
            var c = m.Parameter("c", 3);
            var e = m.Parameter("e", 2);
            m.Prior(Normal.LogProb(b, a, 2.0));                               // non-centered
            m.Prior(Normal.LogProb(c, Ops.Sum(b), Ops.Exp(a)));  // depends on b, non-centered: left alone
            m.Prior(Normal.LogProb(e, 0.0, Ops.Exp(Ops.Sum(e) * 0.1)));  // depends on itself
        }).Compile();
        var analysis = NonCenteredBijector.Analyze(model);
        Assert.Equal(["b"], analysis.Bijector!.Parameters);
        Assert.Contains("depends on 'b'", analysis.Sites.Single(s => s.Parameter == "c").Reason, StringComparison.Ordinal);
        Assert.Contains("on the parameter itself", analysis.Sites.Single(s => s.Parameter == "e").Reason, StringComparison.Ordinal);
    }

    public static TheoryData<string> Models => new() { "eight_schools", "funnel" };

    private static CompiledModel Build(string name) => name == "funnel" ? Funnel.Create().Compile() : EightSchools.Centered().Compile();

    [Theory]
    [MemberData(nameof(Models))]
    public void ForwardThenInverse_RoundTrips_AndTheLogDetsCancel(string name)
    {
        var model = Build(name);
        var bijector = NonCenteredBijector.Analyze(model).Bijector!;
        for (int rep = 0; rep < 5; rep++)
        {
            var z = Point(model.Dimension, (ulong)(10 + rep), 1.5);
            var tape = new Tape();
            var u = bijector.Forward(tape.Constant(z), out var forward);
            var back = bijector.Inverse(tape.Constant(u.Value), out var inverse);
            for (int i = 0; i < z.Length; i++)
            {
                Assert.True(Math.Abs(back.Value[i] - z[i]) < 1e-9 * Math.Max(1, Math.Abs(z[i])), $"{name} coordinate {i}: {back.Value[i]} vs {z[i]}");
            }

            Assert.Equal(-forward.Item, inverse.Item, 1e-9);
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void LogDet_EqualsTheBruteForceJacobian(string name)
    {
        var model = Build(name);
        var bijector = NonCenteredBijector.Analyze(model).Bijector!;
        int d = model.Dimension;
        var z = Point(d, 7);
        double[] Map(double[] at)
        {
            var tape = new Tape();
            return bijector.Forward(tape.Constant(at), out _).Value.ToArray();
        }

        // central differences, column by column, then log |det| of the d × d matrix
        var jacobian = new double[d * d];
        const double H = 1e-6;
        for (int j = 0; j < d; j++)
        {
            var plus = (double[])z.Clone();
            var minus = (double[])z.Clone();
            plus[j] += H;
            minus[j] -= H;
            var fp = Map(plus);
            var fm = Map(minus);
            for (int i = 0; i < d; i++)
            {
                jacobian[(i * d) + j] = (fp[i] - fm[i]) / (2 * H);
            }
        }

        var t = new Tape();
        double brute = Ops.LogAbsDet(t.Constant(jacobian, Shape.Matrix(d, d))).Item;
        bijector.Forward(t.Constant(z), out var logDet);
        Assert.Equal(brute, logDet.Item, 1e-6);
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ForwardAndLogDet_GradientsMatchFiniteDifferences(string name)
    {
        var model = Build(name);
        var bijector = NonCenteredBijector.Analyze(model).Bijector!;
        var x = new Tensor(Point(model.Dimension, 21), Shape.Vector(model.Dimension));
        var result = GradCheck.Check(v => Ops.Sum(Ops.Square(bijector.Forward(v[0], out var ld))) + ld, [x]);
        Assert.True(result.MaxRelativeError < 1e-6, $"{name}: {result}");
    }

    [Fact]
    public void Batch_EqualsPointByPoint()
    {
        var model = Build("eight_schools");
        var bijector = NonCenteredBijector.Analyze(model).Bijector!;
        int d = model.Dimension;
        var points = Point(3 * d, 5);
        var tape = new Tape();
        var all = bijector.Forward(tape.Constant(points, Shape.Matrix(3, d)), out var logDets);
        Assert.Equal(Shape.Matrix(3, d), all.Shape);
        for (int r = 0; r < 3; r++)
        {
            var one = bijector.Forward(tape.Constant(points.AsSpan(r * d, d)), out var ld);
            Assert.Equal(ld.Item, logDets.Value[r], 1e-12);
            for (int i = 0; i < d; i++)
            {
                Assert.Equal(one.Value[i], all.Value[(r * d) + i], 1e-12);
            }
        }
    }

    [Fact]
    public void PulledBackCenteredModel_IsTheNonCenteredModel()
    {
        // the centered eight schools through the bijector is, term for term, the non-centered one (same parameter order:
        // theta or theta_trans, mu, tau)
        var centered = EightSchools.Centered().Compile();
        var pulled = new NeuTraDensity(centered, NonCenteredBijector.Analyze(centered).Bijector!).CreateEvaluator();
        var nonCentered = EightSchools.NonCentered().Compile().CreateEvaluator();
        var g1 = new double[10];
        var g2 = new double[10];
        for (int rep = 0; rep < 5; rep++)
        {
            var z = Point(10, (ulong)(30 + rep));
            double a = pulled.LogDensityAndGradient(z, g1), b = nonCentered.LogDensityAndGradient(z, g2);
            Assert.Equal(b, a, 1e-9);
            for (int i = 0; i < 10; i++)
            {
                Assert.Equal(g2[i], g1[i], 1e-9);
            }
        }
    }

    [Fact]
    public void ModelWithoutSite_AutomaticDrawsAreUnchanged()
    {
        // a Gaussian with correlated coordinates written in the PPL; its only normal term has a constant location and scale
        var model = Model.Create("no_site", m =>
        {
            var x = m.Parameter("x", 2, new Normal(0, 1));
            var y = m.Parameter("y");
            m.Prior(Normal.LogProb(y - (0.5 * Ops.Sum(x)), 0.0, 1.0));
        }).Compile();
        var options = new AutomaticOptions { Seed = 4, Transitions = 200, Warmup = 100 };
        var byDefault = model.SampleAutomatically(options);
        var never = model.SampleAutomatically(options with { NonCentering = false });
        Assert.Empty(byDefault.Diagnostics.NonCenteredParameters);
        Assert.DoesNotContain(byDefault.Reasons, r => r.Contains("Non-centering", StringComparison.Ordinal));
        Assert.Equal(never.Draws!.Chains.Count, byDefault.Draws!.Chains.Count);
        for (int c = 0; c < never.Draws.Chains.Count; c++)
        {
            Assert.Equal(never.Draws.Chains[c].Values, byDefault.Draws.Chains[c].Values);
        }
    }

    [Fact]
    public void InformativeData_KeepsTheCenteredForm_AndSaysWhy()
    {
        // standard errors of 0.5 against effects spread over 40: each theta is pinned by its own datum, the centered
        // posterior is close to Gaussian and the non-centered one is the funnel; the ELBOs say so
        var model = EightSchools.Centered(EightSchools.Effects, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5]).Compile();
        var result = model.SampleAutomatically(new AutomaticOptions { Seed = 1, Transitions = 200, Warmup = 100, FlowIterations = 200 });
        Assert.Empty(result.Diagnostics.NonCenteredParameters);
        Assert.True(result.Diagnostics.CenteredGaussianElbo > result.Diagnostics.NonCenteredGaussianElbo, string.Join("\n", result.Reasons));
        Assert.Contains(result.Reasons, r => r.Contains("Non-centering", StringComparison.Ordinal) && r.Contains("the model is sampled as written", StringComparison.Ordinal));
    }

    [Fact]
    public void Funnel_AutomaticCallNonCenters_AndMatchesTheExactMarginals()
    {
        var result = Funnel.Create().Compile().SampleAutomatically(new AutomaticOptions { Seed = 2 });
        Assert.Equal(["x"], result.Diagnostics.NonCenteredParameters);
        Assert.Contains(result.Reasons, r => r.Contains("the non-centered form of 'x' is sampled", StringComparison.Ordinal));
        Assert.True(result.Diagnostics.NonCenteredGaussianElbo > result.Diagnostics.CenteredGaussianElbo);
        // v ~ N(0, 3): mean 0, q5 and q95 ∓ 3·1.6449; each x[i] has mean 0
        var v = result.Draws!.Column(0);
        Assert.True(Math.Abs(Summaries.Mean(v)) < 4 * Summaries.McseMean(v), $"v mean {Summaries.Mean(v):F3} ± {Summaries.McseMean(v):F3}");
        foreach (var (p, q) in new[] { (0.05, -4.9346), (0.95, 4.9346) })
        {
            Assert.True(Math.Abs(Summaries.Quantile(v, p) - q) < 4 * Summaries.McseQuantile(v, p), $"v q{100 * p:F0} {Summaries.Quantile(v, p):F3}");
        }

        for (int j = 1; j < 10; j++)
        {
            var x = result.Draws.Column(j);
            Assert.True(Math.Abs(Summaries.Mean(x)) < 4 * Summaries.McseMean(x), $"x[{j}] mean {Summaries.Mean(x):F3} ± {Summaries.McseMean(x):F3}");
        }

        Assert.True(result.Diagnostics.DivergentShare < 0.01);
    }

    [Fact]
    public void EightSchoolsCentered_AutomaticCallMatchesTheReference()
    {
        var result = EightSchools.Centered().Compile().SampleAutomatically(new AutomaticOptions { Seed = 1 });
        Assert.Equal(["theta"], result.Diagnostics.NonCenteredParameters);
        var reference = ComparisonTarget.ReadReference(ReferenceData.Path("posteriors", "eight_schools-eight_schools_centered", "reference.json"));
        var draws = result.Draws!;
        Assert.Equal(EightSchools.Centered().Compile().ConstrainedNames, draws.Names);
        for (int j = 0; j < draws.Names.Count; j++)
        {
            var r = reference[draws.Names[j]];
            var x = draws.Column(j);
            double zMean = Math.Abs(Summaries.Mean(x) - r.Mean) / Math.Sqrt(Math.Pow(Summaries.McseMean(x), 2) + Math.Pow(r.McseMean, 2));
            Assert.True(zMean < 4, $"{draws.Names[j]} mean z {zMean:F2}");
            double inflate = Math.Sqrt(1 + (Convergence.EssBulk(x) / r.EssBulk));
            foreach (var (p, q) in new[] { (0.05, r.Q5), (0.95, r.Q95) })
            {
                double z = Math.Abs(Summaries.Quantile(x, p) - q) / (Summaries.McseQuantile(x, p) * inflate);
                Assert.True(z < 4, $"{draws.Names[j]} q{100 * p:F0} z {z:F2}");
            }
        }

        Assert.True(result.Diagnostics.DivergentShare < 0.01);
    }
}
