using Inference.Densities;
using Inference.Distributions;
using Inference.Modeling;
using Inference.Models;
using Inference.Randomness;
using Inference.Tests.Randomness;
using Inference.Transforms;
using MN = MathNet.Numerics.Distributions;

namespace Inference.Tests.Modeling;

public class ModelTests
{
    [Fact]
    public void Accumulators_AreKeptApart_AndSumToTheLogDensity()
    {
        var model = EightSchools.NonCentered().Compile();
        var ev = model.CreateModelEvaluator();
        var u = Enumerable.Range(0, model.Dimension).Select(i => 0.1 * (i - 4)).ToArray();
        var parts = ev.Parts(u);
        Assert.Equal(parts.Total, ev.LogDensity(u), 1e-12);

        // by hand: priors N(0,1) on theta_trans, N(0,5) on mu, half-Cauchy(5) on tau; likelihood; log|J| = log tau's u
        double mu = u[8], tau = Math.Exp(u[9]);
        double prior = u.Take(8).Sum(z => MN.Normal.PDFLn(0, 1, z)) + MN.Normal.PDFLn(0, 5, mu) + Math.Log(2) + MN.Cauchy.PDFLn(0, 5, tau);
        double lik = 0;
        var pointwise = ev.PointwiseLogLikelihood(u);
        for (int j = 0; j < 8; j++)
        {
            double term = MN.Normal.PDFLn(mu + (tau * u[j]), EightSchools.StandardErrors[j], EightSchools.Effects[j]);
            lik += term;
            Assert.Equal(term, pointwise[j], 1e-12);
        }

        Assert.Equal(prior, parts.LogPrior, 1e-12);
        Assert.Equal(lik, parts.LogLikelihood, 1e-12);
        Assert.Equal(u[9], parts.LogJacobian, 1e-15);
    }

    [Fact]
    public void Constrain_WritesParametersThenDerivedQuantities()
    {
        var model = EightSchools.NonCentered().Compile();
        var ev = model.CreateModelEvaluator();
        var u = Enumerable.Range(0, 10).Select(i => 0.05 * i).ToArray();
        var c = new double[model.Layout.ConstrainedNames.Count];
        ev.Constrain(u, c);
        Assert.Equal(18, c.Length);
        Assert.Equal("theta[1]", model.Layout.ConstrainedNames[10]);
        double tau = Math.Exp(u[9]);
        Assert.Equal(tau, c[9], 1e-15);
        for (int j = 0; j < 8; j++)
        {
            Assert.Equal(u[8] + (tau * u[j]), c[10 + j], 1e-14);
        }
    }

    [Fact]
    public void MatrixParameter_IsNamedColumnMajorLikeStan_AndRoundTrips()
    {
        var model = Model.Create("m", m =>
        {
            var a = m.Parameter("A", 2, 3, Constraint.Positive);
            m.Prior(Gamma.LogProb(a, 2.0, 1.0));
        }).Compile();
        Assert.Equal(["A[1,1]", "A[2,1]", "A[1,2]", "A[2,2]", "A[1,3]", "A[2,3]"], model.Layout.ConstrainedNames);
        var u = new[] { 0.1, 0.2, 0.3, 0.4, 0.5, 0.6 };
        var c = new double[6];
        model.CreateModelEvaluator().Constrain(u, c);
        // row-major u: A[1,1] = e^0.1, A[1,2] = e^0.2 …; output is column-major
        Assert.Equal(Math.Exp(0.2), c[2], 1e-15);
        Assert.Equal(Math.Exp(0.4), c[1], 1e-15);
        var back = model.Unconstrain(c);
        for (int i = 0; i < 6; i++)
        {
            Assert.Equal(u[i], back[i], 1e-14);
        }
    }

    [Fact]
    public void SimplexParameter_HasKMinusOneCoordinates()
    {
        var model = Model.Create("s", m => m.Parameter("p", 4, Constraint.Simplex)).Compile();
        Assert.Equal(3, model.Dimension);
        Assert.Equal(["p[1]", "p[2]", "p[3]"], model.CoordinateNames);
        Assert.Equal(["p[1]", "p[2]", "p[3]", "p[4]"], model.Layout.ConstrainedNames);
    }

    [Fact]
    public void GradientEvaluation_AllocatesNothingAfterWarmup()
    {
        var ev = EightSchools.NonCentered().Compile().CreateEvaluator();
        var u = new double[10];
        var g = new double[10];
        for (int i = 0; i < 5; i++)
        {
            ev.LogDensityAndGradient(u, g);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 100; i++)
        {
            u[i % 10] = 0.01 * i;
            ev.LogDensityAndGradient(u, g);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void BadModels_GiveClearErrors()
    {
        Assert.Equal("name", Assert.Throws<ArgumentException>(() => Model.Create("dup", m =>
        {
            m.Parameter("a");
            m.Parameter("a");
        }).Compile()).ParamName);
        Assert.Throws<InvalidOperationException>(() => Model.Create("empty", m => { }).Compile());

        bool second = false;
        var changing = Model.Create("changing", m =>
        {
            m.Parameter(second ? "b" : "a");
            second = true;
        }).Compile();
        var ex = Assert.Throws<InvalidOperationException>(() => changing.CreateEvaluator().LogDensity([0.0]));
        Assert.Contains("same parameters", ex.Message, StringComparison.Ordinal);

        var model = EightSchools.NonCentered().Compile();
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => model.CreateEvaluator().LogDensity(new double[3])).ParamName);
        Assert.Equal("constrainedParameters", Assert.Throws<ArgumentException>(() => model.Unconstrain(new double[10] { 0, 0, 0, 0, 0, 0, 0, 0, 0, -1 })).ParamName);
        Assert.Equal("standardErrors", Assert.Throws<ArgumentException>(() => EightSchools.NonCentered([1, 2], [1])).ParamName);
    }

    [Fact]
    public void Initialization_FindsAFinitePoint_AndNamesTheCulpritOtherwise()
    {
        var model = EightSchools.Centered().Compile();
        var x0 = Initialization.Random(model, new Rng(1));
        Assert.All(x0, v => Assert.InRange(v, -2, 2));
        Assert.Equal(x0, Initialization.Random(model, new Rng(1)));

        // log-density finite only for x > 5: never reached from (−2, 2)
        var bad = LogDensity.FromDelegates(2, x => x[0] > 5 ? 0 : double.NegativeInfinity, (x, g) =>
        {
            g[0] = x[0] > 5 ? 0 : double.NaN;
            g[1] = 0;
            return x[0] > 5 ? 0 : double.NegativeInfinity;
        }, ["alpha", "beta"]);
        var ex = Assert.Throws<InvalidOperationException>(() => Initialization.Random(bad, new Rng(2)));
        Assert.Contains("alpha", ex.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("beta", ex.Message, StringComparison.Ordinal);
    }

    public static TheoryData<string> PriorCases() => ["gamma on positive", "beta on unit interval", "shifted exponential on lower bound", "normal on upper bound", "uniform on interval"];

    private static (Model Model, Func<double, double> Cdf) PriorModel(string name) => name switch
    {
        "gamma on positive" => (Model.Create("g", m => m.Parameter("x", new Gamma(2.5, 1.5))), x => MN.Gamma.CDF(2.5, 1.5, x)),
        "beta on unit interval" => (Model.Create("b", m => m.Parameter("x", new Beta(2, 5))), x => MN.Beta.CDF(2, 5, x)),
        "shifted exponential on lower bound" => (
            Model.Create("e", m => m.Prior(Exponential.LogProb(m.Parameter("x", Constraint.GreaterThan(1.5)) - 1.5, 0.7))),
            x => MN.Exponential.CDF(0.7, x - 1.5)),
        "normal on upper bound" => (
            Model.Create("n", m => m.Prior(HalfNormal.LogProb(2.0 - m.Parameter("x", Constraint.LessThan(2)), 1.3))),
            x => 2 * MN.Normal.CDF(0, 1.3, x - 2)),
        _ => (Model.Create("u", m => m.Parameter("x", new Uniform(-1, 3))), x => (x + 1) / 4),
    };

    /// <summary>
    /// A prior-only model, sampled through its transform by self-normalized importance sampling from a broad
    /// normal on the unconstrained scale, reproduces the prior (weighted KS at the effective sample size).
    /// Without the log-Jacobian it does not (a negative control that shows the check can fail).
    /// </summary>
    [Theory]
    [MemberData(nameof(PriorCases))]
    public void PriorOnlyModel_SampledThroughTheTransform_ReproducesThePrior(string name)
    {
        var (model, cdf) = PriorModel(name);
        var compiled = model.Compile();
        var ev = compiled.CreateModelEvaluator();
        var rng = new Rng(Seeds.OpInputs);
        const int N = 40000;
        const double ProposalSd = 3;
        var ys = new double[N];
        var logW = new double[N];
        var logWNoJacobian = new double[N];
        var c = new double[1];
        for (int i = 0; i < N; i++)
        {
            double u = ProposalSd * rng.Normal();
            var parts = ev.Parts([u]);
            double logQ = MN.Normal.PDFLn(0, ProposalSd, u);
            logW[i] = parts.Total - logQ;
            logWNoJacobian[i] = parts.LogPrior + parts.LogLikelihood - logQ;
            ev.Constrain([u], c);
            ys[i] = c[0];
        }

        var (distance, ess) = WeightedKs(ys, logW, cdf);
        Assert.True(ess > 2000, $"{name}: ESS {ess:F0}");
        Assert.True(distance < RngTests.KsCritical((int)ess, 1e-3), $"{name}: weighted KS {distance:F4} at ESS {ess:F0}");

        var (wrong, essWrong) = WeightedKs(ys, logWNoJacobian, cdf);
        Assert.False(PassesCheck(wrong, essWrong, 2000), $"{name}: without log|J| the check should fail (KS {wrong:F4} at ESS {essWrong:F0})");
    }

    /// <summary>The check both tests apply: enough effective draws, and a weighted KS distance under the 0.1% critical value.</summary>
    private static bool PassesCheck(double distance, double ess, double minimumEss) =>
        ess > minimumEss && distance < RngTests.KsCritical((int)ess, 1e-3);

    private static (double Distance, double Ess) WeightedKs(double[] ys, double[] logW, Func<double, double> cdf)
    {
        double max = logW.Max();
        var w = logW.Select(l => Math.Exp(l - max)).ToArray();
        double sum = w.Sum();
        double ess = sum * sum / w.Sum(x => x * x);
        var order = Enumerable.Range(0, ys.Length).OrderBy(i => ys[i]).ToArray();
        double acc = 0, d = 0;
        foreach (int i in order)
        {
            double f = cdf(ys[i]);
            d = Math.Max(d, Math.Abs(acc - f));
            acc += w[i] / sum;
            d = Math.Max(d, Math.Abs(acc - f));
        }

        return (d, ess);
    }

    public static TheoryData<string> VectorPriorCases() =>
        ["dirichlet on simplex", "normals on ordered", "exponentials on positive ordered", "lkj on cholesky correlation", "flat on unit vector"];

    /// <summary>A vector-valued prior model, a scalar statistic of the constrained draw, and that statistic's exact CDF.</summary>
    private static (Model Model, Func<double[], double> Statistic, Func<double, double> Cdf, bool JacobianMatters) VectorPriorModel(string name)
    {
        switch (name)
        {
            case "dirichlet on simplex":
                var dirichlet = new Dirichlet([2, 3, 1.5]);
                return (Model.Create("d", m => m.Prior(dirichlet.LogProb(m.Parameter("p", 3, Constraint.Simplex)))), v => v[0], x => MN.Beta.CDF(2, 4.5, x), true);
            case "normals on ordered":
                // iid N(0, 1) restricted to increasing order: the order statistics; the minimum has CDF 1 − (1 − Φ)³
                return (Model.Create("o", m => m.Prior(Normal.LogProb(m.Parameter("x", 3, Constraint.Ordered), 0.0, 1.0))), v => v[0], x => 1 - Math.Pow(1 - MN.Normal.CDF(0, 1, x), 3), true);
            case "exponentials on positive ordered":
                return (Model.Create("po", m => m.Prior(Exponential.LogProb(m.Parameter("x", 3, Constraint.PositiveOrdered), 1.5))), v => v[0], x => MN.Exponential.CDF(4.5, x), true);
            case "lkj on cholesky correlation":
                var lkj = new LkjCholesky(3, 2.0);
                return (Model.Create("l", m => m.Prior(lkj.LogProb(m.Parameter("L", 3, 3, Constraint.CholeskyCorrelation)))), v => v[1], x => MN.Beta.CDF(2.5, 2.5, (x + 1) / 2), true);
            default:
                // Flat prior: the direction is uniform on the sphere; in 3-D each coordinate is uniform on (−1, 1).
                return (Model.Create("u", m => m.Parameter("u", 3, Constraint.UnitVector)), v => v[0], x => (x + 1) / 2, false);
        }
    }

    [Theory]
    [MemberData(nameof(VectorPriorCases))]
    public void VectorPriorModel_SampledThroughTheTransform_ReproducesThePrior(string name)
    {
        var (model, statistic, cdf, jacobianMatters) = VectorPriorModel(name);
        var compiled = model.Compile();
        var ev = compiled.CreateModelEvaluator();
        int d = compiled.Dimension;
        var rng = new Rng(Seeds.OpInputs + 1);
        const int N = 40000;
        const double ProposalSd = 1.5;
        var stats = new double[N];
        var logW = new double[N];
        var logWNoJacobian = new double[N];
        var u = new double[d];
        var c = new double[compiled.Layout.ConstrainedNames.Count];
        for (int i = 0; i < N; i++)
        {
            double logQ = 0;
            for (int j = 0; j < d; j++)
            {
                u[j] = ProposalSd * rng.Normal();
                logQ += MN.Normal.PDFLn(0, ProposalSd, u[j]);
            }

            var parts = ev.Parts(u);
            logW[i] = parts.Total - logQ;
            logWNoJacobian[i] = parts.LogPrior + parts.LogLikelihood - logQ;
            ev.Constrain(u, c);
            stats[i] = statistic(c);
        }

        var (distance, ess) = WeightedKs(stats, logW, cdf);
        Assert.True(ess > 1000, $"{name}: ESS {ess:F0}");
        Assert.True(distance < RngTests.KsCritical((int)ess, 1e-3), $"{name}: weighted KS {distance:F4} at ESS {ess:F0}");
        if (jacobianMatters)
        {
            var (wrong, essWrong) = WeightedKs(stats, logWNoJacobian, cdf);
            Assert.False(PassesCheck(wrong, essWrong, 1000), $"{name}: without log|J| the check should fail (KS {wrong:F4} at ESS {essWrong:F0})");
        }
    }
}
