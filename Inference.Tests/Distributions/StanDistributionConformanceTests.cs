using System.Reflection;
using System.Text.Json;
using Inference.Distributions;
using Inference.Randomness;
using Inference.Tests.Randomness;
using MN = MathNet.Numerics.Distributions;

namespace Inference.Tests.Distributions;

/// <summary>
/// The distributions checked against Stan's own _lpdf/_lpmf (reference/fixtures/distributions/stan-lpdf.json, made by
/// tools/distribution-fixtures.R): object and static forms equal Stan's value (every constant kept) to 1e-10, gradients in
/// every continuous argument match finite differences, and draws match the density (KS against the CDF integrated from
/// the Stan-checked density, χ² against the mass function, or moments within 4 Monte Carlo standard errors).
/// </summary>
public class StanDistributionConformanceTests
{
    private enum Kind
    {
        Continuous,
        Discrete,
        Vector,
        Matrix,
    }

    /// <param name="Stan">Stan's name in the fixture.</param>
    /// <param name="Kind">What the value is.</param>
    /// <param name="Make">The object form from a fixture case's parameters (and its value, for the multinomial's trials).</param>
    /// <param name="Static">The static form at x with the parameters as tape values (in <paramref name="Parameters"/> order) and the case.</param>
    /// <param name="Parameters">The scalar parameters, in order; the ones after <paramref name="Differentiable"/> are not differentiated (trials).</param>
    /// <param name="Sampling">The case whose parameters the sampling test uses.</param>
    private sealed record Family(string Stan, Kind Kind, Func<JsonElement, JsonElement, IDistribution> Make, Func<Var, Var[], JsonElement, Var> Static, string[] Parameters, int Differentiable, int Sampling = 0)
    {
        public override string ToString() => Stan;
    }

    private static double P(JsonElement parameters, string name) => parameters.GetProperty(name).GetDouble();

    private static double[] Vec(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    private static Tensor Mat(JsonElement e)
    {
        var rows = e.EnumerateArray().Select(Vec).ToArray();
        var t = new Tensor(Shape.Matrix(rows.Length, rows[0].Length));
        for (int i = 0; i < rows.Length; i++)
        {
            rows[i].CopyTo(t.Data, i * rows[0].Length);
        }

        return t;
    }

    private static readonly Family[] Families =
    [
        new("von_mises", Kind.Continuous, (p, _) => new VonMises(P(p, "mu"), P(p, "kappa")), (x, a, _) => VonMises.LogProb(x, a[0], a[1]), ["mu", "kappa"], 2),
        new("skew_normal", Kind.Continuous, (p, _) => new SkewNormal(P(p, "xi"), P(p, "omega"), P(p, "alpha")), (x, a, _) => SkewNormal.LogProb(x, a[0], a[1], a[2]), ["xi", "omega", "alpha"], 3, Sampling: 7),
        new("gumbel", Kind.Continuous, (p, _) => new Gumbel(P(p, "mu"), P(p, "beta")), (x, a, _) => Gumbel.LogProb(x, a[0], a[1]), ["mu", "beta"], 2, Sampling: 7),
        new("pareto", Kind.Continuous, (p, _) => new Pareto(P(p, "ymin"), P(p, "alpha")), (x, a, _) => Pareto.LogProb(x, a[0], a[1]), ["ymin", "alpha"], 2),
        new("chi_square", Kind.Continuous, (p, _) => new ChiSquare(P(p, "nu")), (x, a, _) => ChiSquare.LogProb(x, a[0]), ["nu"], 1, Sampling: 7),
        new("frechet", Kind.Continuous, (p, _) => new Frechet(P(p, "alpha"), P(p, "sigma")), (x, a, _) => Frechet.LogProb(x, a[0], a[1]), ["alpha", "sigma"], 2, Sampling: 5),
        new("rayleigh", Kind.Continuous, (p, _) => new Rayleigh(P(p, "sigma")), (x, a, _) => Rayleigh.LogProb(x, a[0]), ["sigma"], 1, Sampling: 7),
        new("beta_binomial", Kind.Discrete, (p, _) => new BetaBinomial(P(p, "N"), P(p, "a"), P(p, "b")), (x, a, _) => BetaBinomial.LogProb(x, a[2], a[0], a[1]), ["a", "b", "N"], 2),
        new("zero_inflated_poisson", Kind.Discrete, (p, _) => new ZeroInflatedPoisson(P(p, "theta"), P(p, "lambda")), (x, a, _) => ZeroInflatedPoisson.LogProb(x, a[0], a[1]), ["theta", "lambda"], 2),
        new("zero_inflated_neg_binomial_2", Kind.Discrete, (p, _) => new ZeroInflatedNegativeBinomial(P(p, "theta"), P(p, "mu"), P(p, "phi")), (x, a, _) => ZeroInflatedNegativeBinomial.LogProb(x, a[0], a[1], a[2]), ["theta", "mu", "phi"], 3, Sampling: 7),
        new("ordered_logistic", Kind.Discrete, (p, _) => new OrderedLogistic(P(p, "eta"), Vec(p.GetProperty("c"))), (x, a, p) => OrderedLogistic.LogProb([(int)x.Item], a[0], x.Tape.Constant(Vec(p.GetProperty("c")))), ["eta"], 1, Sampling: 5),
        new("multinomial", Kind.Vector, (p, x) => new Multinomial((int)Vec(x).Sum(), Vec(p.GetProperty("theta"))), (x, _, p) => Multinomial.LogProb(x, x.Tape.Constant(Vec(p.GetProperty("theta")))), [], 0),
        new("multi_student_t", Kind.Vector, (p, _) => new MultivariateStudentT(P(p, "nu"), Vec(p.GetProperty("mu")), Mat(p.GetProperty("Sigma"))), (x, a, p) => MultivariateStudentT.LogProb(x, a[0], x.Tape.Constant(Vec(p.GetProperty("mu"))), x.Tape.Constant(Mat(p.GetProperty("Sigma")))), ["nu"], 1, Sampling: 3),
        new("wishart", Kind.Matrix, (p, _) => new Wishart(P(p, "nu"), Mat(p.GetProperty("Sigma"))), (x, a, p) => Wishart.LogProb(x, a[0], x.Tape.Constant(Mat(p.GetProperty("Sigma")))), ["nu"], 1, Sampling: 3),
        new("inv_wishart", Kind.Matrix, (p, _) => new InverseWishart(P(p, "nu"), Mat(p.GetProperty("Sigma"))), (x, a, p) => InverseWishart.LogProb(x, a[0], x.Tape.Constant(Mat(p.GetProperty("Sigma")))), ["nu"], 1, Sampling: 3),
    ];

    private static readonly Lazy<JsonElement[]> AllCases = new(() =>
    {
        using var doc = ReferenceData.Json("fixtures", "distributions", "stan-lpdf.json");
        return doc.RootElement.GetProperty("cases").EnumerateArray().Select(c => c.Clone()).ToArray();
    });

    private static JsonElement[] CasesOf(Family f) => AllCases.Value.Where(c => c.GetProperty("dist").GetString() == f.Stan).ToArray();

    // the value as our distributions take it: ordered logistic's categories are 0-based where Stan's are 1-based
    private static Var Value(Tape tape, Family f, JsonElement x) => f.Kind switch
    {
        Kind.Vector => tape.Constant(Vec(x)),
        Kind.Matrix => tape.Constant(Mat(x)),
        _ => tape.Constant(x.GetDouble() - (f.Stan == "ordered_logistic" ? 1 : 0)),
    };

    public static TheoryData<string> Names() => new(Families.Select(f => f.Stan));

    private static Family Get(string name) => Families.Single(f => f.Stan == name);

    [Theory]
    [MemberData(nameof(Names))]
    public void LogProb_ObjectAndStaticForms_MatchStan(string name)
    {
        var f = Get(name);
        var cases = CasesOf(f);
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            var p = c.GetProperty("params");
            var x = c.GetProperty("x");
            double expected = c.GetProperty("lpdf").GetDouble();
            var tape = new Tape();
            double fromObject = f.Make(p, x).LogProb(Value(tape, f, x)).Item;
            double fromStatic = f.Static(Value(tape, f, x), f.Parameters.Select(n => tape.Constant(P(p, n))).ToArray(), p).Item;
            foreach (var (actual, form) in new[] { (fromObject, "object"), (fromStatic, "static") })
            {
                Assert.True(Math.Abs(actual - expected) <= 1e-10 * Math.Max(1, Math.Abs(expected)), $"{name} {form} {p} at {x}: {actual:R} vs Stan {expected:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Gradients_InEveryContinuousArgument_MatchFiniteDifferences(string name)
    {
        var f = Get(name);
        foreach (var c in CasesOf(f).Where((_, i) => i % 3 == 0))
        {
            var p = c.GetProperty("params");
            var x = c.GetProperty("x");
            if (name == "pareto" && x.GetDouble() == P(p, "ymin"))
            {
                continue;   // on the edge of the support a central difference steps outside it
            }

            var tape0 = new Tape();
            var x0 = Value(tape0, f, x);
            bool differentiateX = f.Kind is Kind.Continuous or Kind.Matrix || f.Stan == "multi_student_t";
            var inputs = new List<Tensor> { new(x0.Value.ToArray(), x0.Shape) };
            inputs.AddRange(f.Parameters.Take(f.Differentiable).Select(n => Tensor.FromScalar(P(p, n))));
            var result = GradCheck.Check(
                v =>
                {
                    var t = v[0].Tape;
                    var xv = differentiateX ? v[0] : Value(t, f, x);
                    var args = v.Skip(1).Concat(f.Parameters.Skip(f.Differentiable).Select(n => t.Constant(P(p, n)))).ToArray();
                    return f.Static(xv, args, p);
                },
                inputs,
                step: 1e-6);
            Assert.True(result.MaxRelativeError < 1e-5, $"{name} {p} at {x}: {result}");
        }
    }

    [Theory]
    [MemberData(nameof(Names))]
    public void Sample_MatchesTheDistribution(string name)
    {
        var f = Get(name);
        var c = CasesOf(f)[f.Sampling];
        var p = c.GetProperty("params");
        var d = f.Make(p, c.GetProperty("x"));
        var rng = new Rng(Seeds.OpInputs + name.Length);
        switch (f.Kind)
        {
            case Kind.Continuous:
                Continuous(d, rng, name);
                break;
            case Kind.Discrete:
                Discrete(d, rng, name);
                break;
            default:
                Moments(f, d, p, rng);
                break;
        }
    }

    // KS against the CDF obtained by integrating the (Stan-checked) density between consecutive sorted draws
    private static void Continuous(IDistribution d, Rng rng, string name)
    {
        const int N = 20000;
        var draws = new double[N];
        d.Sample(rng, draws);
        Assert.All(draws, v => Assert.True(d.Support.Contains([v]), $"{name}: draw {v} outside {d.Support}"));
        var sorted = (double[])draws.Clone();
        Array.Sort(sorted);
        double lower = name switch
        {
            "von_mises" => -Math.PI,
            "pareto" => ((Pareto)d).Minimum,
            "chi_square" or "frechet" or "rayleigh" => 0,
            _ => sorted[0] - (sorted[^1] - sorted[0]),
        };
        var (nodes, weights) = GaussLegendre8;
        var points = new double[N * nodes.Length];
        double left = lower;
        for (int i = 0; i < N; i++)
        {
            for (int q = 0; q < nodes.Length; q++)
            {
                points[(i * nodes.Length) + q] = left + ((sorted[i] - left) * (nodes[q] + 1) / 2);
            }

            left = sorted[i];
        }

        var density = d.LogProb(new Tape().Constant(points)).Value.ToArray();
        var cdf = new double[N];
        double total = 0;
        left = lower;
        for (int i = 0; i < N; i++)
        {
            double piece = 0;
            for (int q = 0; q < nodes.Length; q++)
            {
                piece += weights[q] * Math.Exp(density[(i * nodes.Length) + q]);
            }

            total += piece * (sorted[i] - left) / 2;
            cdf[i] = total;
            left = sorted[i];
        }

        double distance = RngTests.KsDistance(draws, v => cdf[Array.BinarySearch(sorted, v)]);
        Assert.True(distance < RngTests.KsCritical(N, 1e-3), $"{name}: KS distance {distance:F4}");
    }

    private static (double[] Nodes, double[] Weights) GaussLegendre8 =>
        ([-0.9602898564975363, -0.7966664774136267, -0.5255324099163290, -0.1834346424956498, 0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363],
         [0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.3626837833783620, 0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763]);

    // χ² over the values with expected count ≥ 5, the rest pooled, against the mass function
    private static void Discrete(IDistribution d, Rng rng, string name)
    {
        const int N = 20000;
        var draws = new double[N];
        d.Sample(rng, draws);
        var counts = draws.GroupBy(v => (int)v).ToDictionary(g => g.Key, g => g.Count());
        var support = Enumerable.Range(0, 400).Select(k => (double)k).ToArray();
        var mass = d.LogProb(new Tape().Constant(support)).Value.ToArray().Select(Math.Exp).ToArray();
        Assert.Equal(1, mass.Sum(), 1e-6);
        double chi2 = 0, pooledExpected = N, pooledObserved = N;
        int cells = 0;
        for (int k = 0; k < support.Length; k++)
        {
            double expected = N * mass[k];
            if (expected < 5)
            {
                continue;
            }

            int observed = counts.GetValueOrDefault(k);
            chi2 += (observed - expected) * (observed - expected) / expected;
            pooledExpected -= expected;
            pooledObserved -= observed;
            cells++;
        }

        if (pooledExpected >= 5)
        {
            chi2 += (pooledObserved - pooledExpected) * (pooledObserved - pooledExpected) / pooledExpected;
            cells++;
        }

        double critical = MN.ChiSquared.InvCDF(cells - 1, 0.999);
        Assert.True(chi2 < critical, $"{name}: χ² = {chi2:F2} over {cells} cells (critical {critical:F2})");
    }

    // the mean (and for the multivariate t the covariance) of the draws within 4 Monte Carlo standard errors
    private static void Moments(Family f, IDistribution d, JsonElement p, Rng rng)
    {
        const int N = 20000;
        int size = f.Stan switch { "multinomial" => 3, "multi_student_t" => 3, _ => 9 };
        var draws = new double[N * size];
        d.Sample(rng, draws);
        double[] truth = f.Stan switch
        {
            "multinomial" => Vec(p.GetProperty("theta")).Select(t => t * ((Multinomial)d).Trials).ToArray(),
            "multi_student_t" => Vec(p.GetProperty("mu")),
            "wishart" => Mat(p.GetProperty("Sigma")).Data.Select(s => s * P(p, "nu")).ToArray(),
            _ => Mat(p.GetProperty("Sigma")).Data.Select(s => s / (P(p, "nu") - 3 - 1)).ToArray(),
        };
        for (int j = 0; j < size; j++)
        {
            var column = Enumerable.Range(0, N).Select(i => draws[(i * size) + j]).ToArray();
            double mean = column.Average();
            double mcse = Math.Sqrt(column.Select(v => (v - mean) * (v - mean)).Sum() / (N - 1) / N);
            Assert.True(Math.Abs(mean - truth[j]) < 4 * mcse, $"{f.Stan}[{j}]: mean {mean:F4} vs {truth[j]:F4} (MCSE {mcse:F4})");
        }

        if (f.Stan == "multi_student_t")
        {
            double nu = P(p, "nu");
            var sigma = Mat(p.GetProperty("Sigma"));
            var mu = Vec(p.GetProperty("mu"));
            for (int a = 0; a < 3; a++)
            {
                for (int b = 0; b <= a; b++)
                {
                    var products = Enumerable.Range(0, N).Select(i => (draws[(i * 3) + a] - mu[a]) * (draws[(i * 3) + b] - mu[b])).ToArray();
                    double mean = products.Average();
                    double mcse = Math.Sqrt(products.Select(v => (v - mean) * (v - mean)).Sum() / (N - 1) / N);
                    double expected = nu / (nu - 2) * sigma[a, b];
                    Assert.True(Math.Abs(mean - expected) < 4 * mcse, $"multi_student_t cov[{a},{b}]: {mean:F4} vs {expected:F4} (MCSE {mcse:F4})");
                }
            }
        }
    }

    [Fact]
    public void EveryDistribution_IsInAConformanceSuite_AndThereAreAtLeast35()
    {
        var all = typeof(IDistribution).Assembly.GetTypes()
            .Where(t => typeof(IDistribution).IsAssignableFrom(t) && t is { IsAbstract: false, IsInterface: false, IsPublic: true })
            .ToHashSet();
        var covered = new HashSet<Type>();
        foreach (var c in DistributionConformanceTests.All)
        {
            covered.Add(c.Make(c.ParameterGrid[0]).GetType());
        }

        foreach (var f in Families)
        {
            var first = CasesOf(f)[0];
            covered.Add(f.Make(first.GetProperty("params"), first.GetProperty("x")).GetType());
        }

        // the multivariate ones with their own fixture-based tests (MultivariateDistributionTests, LkjCholeskyTests)
        covered.UnionWith([typeof(MultivariateNormal), typeof(MultivariateNormalPrecision), typeof(Dirichlet), typeof(LkjCholesky), typeof(Categorical)]);
        Assert.Empty(all.Except(covered).Select(t => t.Name));
        Assert.True(all.Count >= 35, $"{all.Count} distributions");
    }

    [Fact]
    public void VonMises_LargeConcentration_StaysFinite_AndApproachesTheNormal()
    {
        // Stan 2.21 overflows beyond κ ≈ 700; log I₀ through the scaled Bessel function does not
        var tape = new Tape();
        double kappa = 5e4, x = 0.003;
        double lp = new VonMises(0, kappa).LogProb(tape.Constant(x)).Item;
        Assert.Equal(MN.Normal.PDFLn(0, 1 / Math.Sqrt(kappa), x), lp, 1e-4);
    }

    [Fact]
    public void SkewNormal_FarInTheTail_IsFinite()
    {
        // α z = −60: Φ underflows, its logarithm does not
        double lp = SkewNormal.LogProb(new Tape().Constant(-20.0), 0.0, 1.0, 3.0).Item;
        double expected = Math.Log(2) + MN.Normal.PDFLn(0, 1, -20) + (-1800 - Math.Log(60) - 0.91893853320467274178 + Math.Log(1 - (1.0 / 3600) + (3.0 / (3600.0 * 3600)) - (15.0 / (3600.0 * 3600 * 3600))));
        Assert.Equal(expected, lp, 1e-9);
    }

    [Fact]
    public void BadParameters_NameTheArgument()
    {
        var spd = Tensor.FromMatrix(new double[,] { { 2, 0.3 }, { 0.3, 1 } });
        Assert.Equal("concentration", Assert.Throws<ArgumentOutOfRangeException>(() => new VonMises(0, 0)).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentOutOfRangeException>(() => new SkewNormal(0, -1, 2)).ParamName);
        Assert.Equal("minimum", Assert.Throws<ArgumentOutOfRangeException>(() => new Pareto(0, 2)).ParamName);
        Assert.Equal("cutpoints", Assert.Throws<ArgumentException>(() => new OrderedLogistic(0, [1, 0.5])).ParamName);
        Assert.Equal("probabilities", Assert.Throws<ArgumentException>(() => new Multinomial(5, [0.3, 0.3])).ParamName);
        Assert.Equal("degreesOfFreedom", Assert.Throws<ArgumentOutOfRangeException>(() => new Wishart(0.5, spd)).ParamName);
        Assert.Equal("scale", Assert.Throws<ArgumentException>(() => new InverseWishart(4, Tensor.FromMatrix(new double[,] { { 1, 2 }, { 2, 1 } }))).ParamName);
        Assert.Equal("zeroProbability", Assert.Throws<ArgumentOutOfRangeException>(() => new ZeroInflatedPoisson(1.5, 2)).ParamName);
        Assert.Equal("trials", Assert.Throws<ArgumentOutOfRangeException>(() => BetaBinomial.LogProb(new Tape().Constant(1.0), 2.5, 1.0, 1.0)).ParamName);
        var tape = new Tape();
        Assert.Equal(double.NegativeInfinity, Wishart.LogProb(tape.Constant(Tensor.FromMatrix(new double[,] { { 1, 2 }, { 2, 1 } })), 4.0, tape.Constant(spd)).Item);
        Assert.Equal(double.NegativeInfinity, OrderedLogistic.LogProb([1], 0.0, tape.Constant([1.0, 0.5])).Value[0]);
        Assert.Equal(double.NegativeInfinity, OrderedLogistic.LogProb([3], 0.0, tape.Constant([0.0, 0.5])).Value[0]);
        Assert.Equal(double.NegativeInfinity, new Multinomial(4, [0.5, 0.5]).LogProb(tape.Constant([1.0, 2.0])).Item);
        Assert.Equal(double.NegativeInfinity, new Pareto(1, 2).LogProb(tape.Constant(0.5)).Item);
    }
}
