using Inference.Distributions;
using Inference.Randomness;
using Inference.Tests.Randomness;
using MN = MathNet.Numerics.Distributions;

namespace Inference.Tests.Distributions;

/// <summary>
/// Every univariate distribution: log-density against MathNet on a parameter grid (1e-10), gradients in
/// every argument against finite differences, and sampling against the CDF (KS) or the mass function (χ²).
/// </summary>
public class DistributionConformanceTests
{
    /// <param name="Name">Label.</param>
    /// <param name="Make">Builds the distribution from a parameter vector.</param>
    /// <param name="StaticLogProb">The static LogProb on (x, parameters as tape values).</param>
    /// <param name="Reference">MathNet's log-density/mass at (parameters, x).</param>
    /// <param name="ParameterGrid">Parameter vectors to test.</param>
    /// <param name="Points">Points x in the support, per parameter vector.</param>
    /// <param name="Cdf">For continuous distributions: the CDF at (parameters, x) for the KS test.</param>
    public sealed record DistCase(
        string Name,
        Func<double[], IDistribution> Make,
        Func<Var, Var[], Var> StaticLogProb,
        Func<double[], double, double> Reference,
        double[][] ParameterGrid,
        Func<double[], double[]> Points,
        Func<double[], double, double>? Cdf)
    {
        public override string ToString() => Name;
    }

    private static double[] Positive(double[] p) => [0.05, 0.3, 1.0, 2.7, 9.0];

    private static double[] RealLine(double[] p) => [-7.5, -1.2, 0.0, 0.4, 3.3, 12.0];

    private static double[] Unit(double[] p) => [0.01, 0.2, 0.5, 0.77, 0.99];

    private static double[] Counts(double[] p) => [0, 1, 2, 5, 13];

    public static readonly DistCase[] All =
    [
        new("normal", p => new Normal(p[0], p[1]), (x, a) => Normal.LogProb(x, a[0], a[1]), (p, x) => MN.Normal.PDFLn(p[0], p[1], x),
            [[0, 1], [-2.5, 0.3], [4, 7]], RealLine, (p, x) => MN.Normal.CDF(p[0], p[1], x)),
        new("student-t", p => new StudentT(p[0], p[1], p[2]), (x, a) => StudentT.LogProb(x, a[0], a[1], a[2]), (p, x) => MN.StudentT.PDFLn(p[1], p[2], p[0], x),
            [[1, 0, 1], [3.5, -1, 2], [30, 2, 0.5]], RealLine, (p, x) => MN.StudentT.CDF(p[1], p[2], p[0], x)),
        new("cauchy", p => new Cauchy(p[0], p[1]), (x, a) => Cauchy.LogProb(x, a[0], a[1]), (p, x) => MN.Cauchy.PDFLn(p[0], p[1], x),
            [[0, 1], [2, 5]], RealLine, (p, x) => MN.Cauchy.CDF(p[0], p[1], x)),
        new("laplace", p => new Laplace(p[0], p[1]), (x, a) => Laplace.LogProb(x, a[0], a[1]), (p, x) => MN.Laplace.PDFLn(p[0], p[1], x),
            [[0, 1], [-1, 3]], p => [-7.5, -1.2, 0.4, 3.3, 12.0], (p, x) => MN.Laplace.CDF(p[0], p[1], x)),
        new("logistic", p => new Logistic(p[0], p[1]), (x, a) => Logistic.LogProb(x, a[0], a[1]), (p, x) => MN.Logistic.PDFLn(p[0], p[1], x),
            [[0, 1], [3, 0.4]], RealLine, (p, x) => MN.Logistic.CDF(p[0], p[1], x)),
        new("half-normal", p => new HalfNormal(p[0]), (x, a) => HalfNormal.LogProb(x, a[0]), (p, x) => Math.Log(2) + MN.Normal.PDFLn(0, p[0], x),
            [[1], [3.5]], Positive, (p, x) => (2 * MN.Normal.CDF(0, p[0], x)) - 1),
        new("half-cauchy", p => new HalfCauchy(p[0]), (x, a) => HalfCauchy.LogProb(x, a[0]), (p, x) => Math.Log(2) + MN.Cauchy.PDFLn(0, p[0], x),
            [[1], [2.5]], Positive, (p, x) => (2 * MN.Cauchy.CDF(0, p[0], x)) - 1),
        new("half-student-t", p => new HalfStudentT(p[0], p[1]), (x, a) => HalfStudentT.LogProb(x, a[0], a[1]), (p, x) => Math.Log(2) + MN.StudentT.PDFLn(0, p[1], p[0], x),
            [[3, 1], [7, 2.5]], Positive, (p, x) => (2 * MN.StudentT.CDF(0, p[1], p[0], x)) - 1),
        new("exponential", p => new Exponential(p[0]), (x, a) => Exponential.LogProb(x, a[0]), (p, x) => MN.Exponential.PDFLn(p[0], x),
            [[1], [0.3], [4]], Positive, (p, x) => MN.Exponential.CDF(p[0], x)),
        new("gamma", p => new Gamma(p[0], p[1]), (x, a) => Gamma.LogProb(x, a[0], a[1]), (p, x) => MN.Gamma.PDFLn(p[0], p[1], x),
            [[0.5, 1], [2.5, 0.7], [10, 3]], Positive, (p, x) => MN.Gamma.CDF(p[0], p[1], x)),
        new("inverse-gamma", p => new InverseGamma(p[0], p[1]), (x, a) => InverseGamma.LogProb(x, a[0], a[1]), (p, x) => MN.InverseGamma.PDFLn(p[0], p[1], x),
            [[1.5, 1], [4, 3]], Positive, (p, x) => MN.InverseGamma.CDF(p[0], p[1], x)),
        new("log-normal", p => new LogNormal(p[0], p[1]), (x, a) => LogNormal.LogProb(x, a[0], a[1]), (p, x) => MN.LogNormal.PDFLn(p[0], p[1], x),
            [[0, 1], [1.2, 0.4]], Positive, (p, x) => MN.LogNormal.CDF(p[0], p[1], x)),
        new("weibull", p => new Weibull(p[0], p[1]), (x, a) => Weibull.LogProb(x, a[0], a[1]), (p, x) => MN.Weibull.PDFLn(p[0], p[1], x),
            [[0.8, 1], [2.5, 3]], Positive, (p, x) => MN.Weibull.CDF(p[0], p[1], x)),
        new("beta", p => new Beta(p[0], p[1]), (x, a) => Beta.LogProb(x, a[0], a[1]), (p, x) => MN.Beta.PDFLn(p[0], p[1], x),
            [[0.5, 0.5], [2, 5], [7, 1.5]], Unit, (p, x) => MN.Beta.CDF(p[0], p[1], x)),
        new("uniform", p => new Uniform(p[0], p[1]), (x, a) => Uniform.LogProb(x, a[0], a[1]), (p, x) => MN.ContinuousUniform.PDFLn(p[0], p[1], x),
            [[0, 1], [-3, 4.5]], p => [p[0] + 0.1, (p[0] + p[1]) / 2, p[1] - 0.1], (p, x) => MN.ContinuousUniform.CDF(p[0], p[1], x)),
        new("bernoulli", p => new Bernoulli(p[0]), (x, a) => Bernoulli.LogProb(x, a[0]), (p, x) => MN.Bernoulli.PMFLn(p[0], (int)x),
            [[0.3], [0.85]], p => [0, 1], null),
        new("binomial", p => new Binomial(p[0], p[1]), (x, a) => Binomial.LogProb(x, a[0], a[1]), (p, x) => MN.Binomial.PMFLn(p[1], (int)p[0], (int)x),
            [[10, 0.3], [25, 0.8]], p => [0, 1, 4, 7, 10], null),
        new("poisson", p => new Poisson(p[0]), (x, a) => Poisson.LogProb(x, a[0]), (p, x) => MN.Poisson.PMFLn(p[0], (int)x),
            [[0.7], [4.5], [20]], Counts, null),
        new("negative-binomial", p => new NegativeBinomial(p[0], p[1]), (x, a) => NegativeBinomial.LogProb(x, a[0], a[1]), (p, x) => MN.NegativeBinomial.PMFLn(p[1], p[1] / (p[0] + p[1]), (int)x),
            [[3, 2], [10, 0.7]], Counts, null),
    ];

    public static TheoryData<DistCase> Cases()
    {
        var data = new TheoryData<DistCase>();
        foreach (var c in All)
        {
            data.Add(c);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogProb_MatchesMathNetOnGrid(DistCase c)
    {
        foreach (var p in c.ParameterGrid)
        {
            var d = c.Make(p);
            var xs = c.Points(p);
            var tape = new Tape();
            var lp = d.LogProb(tape.Constant(xs)).Value;
            for (int i = 0; i < xs.Length; i++)
            {
                double expected = c.Reference(p, xs[i]);
                Assert.True(Math.Abs(lp[i] - expected) <= 1e-10 * Math.Max(1, Math.Abs(expected)), $"{c.Name}({string.Join(", ", p)}) at {xs[i]}: {lp[i]:R} vs MathNet {expected:R}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogProb_GradientsInEveryArgument_MatchFiniteDifferences(DistCase c)
    {
        bool discrete = c.Cdf is null;
        foreach (var p in c.ParameterGrid)
        {
            var xs = c.Points(p);
            // For discrete distributions x is data: differentiate in the parameters only
            // (the trial count of the binomial stays fixed too: it is a whole number).
            var inputs = new List<Tensor> { Tensor.FromVector(xs) };
            inputs.AddRange(p.Select(v => Tensor.FromScalar(v)));
            var result = GradCheck.Check(
                v =>
                {
                    var x = discrete ? v[0].Tape.Constant(xs) : v[0];
                    var args = v.Skip(1).ToArray();
                    if (c.Name == "binomial")
                    {
                        args[0] = v[0].Tape.Constant(p[0]);
                    }

                    return c.StaticLogProb(x, args);
                },
                inputs,
                step: 1e-7);
            Assert.True(result.MaxRelativeError < 1e-6, $"{c.Name}({string.Join(", ", p)}): {result}");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Sample_MatchesTheDistribution(DistCase c)
    {
        const int N = 20000;
        var p = c.ParameterGrid[^1];
        var d = c.Make(p);
        var draws = new double[N];
        d.Sample(new Rng(Seeds.OpInputs + c.Name.Length), draws);
        if (c.Cdf is not null)
        {
            double distance = RngTests.KsDistance(draws, x => c.Cdf(p, x));
            Assert.True(distance < RngTests.KsCritical(N, 1e-3), $"{c.Name}: KS distance {distance:F4}");
            return;
        }

        // χ² over the values with expected count ≥ 5, the rest pooled in one cell.
        var counts = draws.GroupBy(x => (int)x).ToDictionary(g => g.Key, g => g.Count());
        double chi2 = 0, pooledExpected = N, pooledObserved = N;
        int cells = 0;
        for (int k = 0; k < 1000; k++)
        {
            double expected = N * Math.Exp(c.Reference(p, k));
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
        Assert.True(chi2 < critical, $"{c.Name}: χ² = {chi2:F2} over {cells} cells (critical {critical:F2})");
    }

    [Fact]
    public void Categorical_LogProbAndSampling()
    {
        double[] logits = [0.5, -1, 2, 0];
        var d = new Categorical(logits);
        var tape = new Tape();
        var lp = Categorical.LogProb([2, 0, 3], tape.Constant(logits)).Value;
        var probs = d.Probabilities;
        Assert.Equal(MN.Categorical.PMFLn(probs.ToArray(), 2), lp[0], 1e-12);
        Assert.Equal(MN.Categorical.PMFLn(probs.ToArray(), 0), lp[1], 1e-12);
        Assert.Equal(Math.Log(probs[3]), lp[2], 1e-12);
        var grad = GradCheck.Check(v => Categorical.LogProb([2, 0, 3, 2], v[0]), [Tensor.FromVector(logits)]);
        Assert.True(grad.MaxRelativeError < 1e-6, grad.ToString());

        const int N = 40000;
        var draws = new double[N];
        d.Sample(new Rng(5), draws);
        double chi2 = 0;
        for (int k = 0; k < 4; k++)
        {
            double expected = N * probs[k];
            double observed = draws.Count(x => x == k);
            chi2 += (observed - expected) * (observed - expected) / expected;
        }

        Assert.True(chi2 < MN.ChiSquared.InvCDF(3, 0.999), $"χ² = {chi2}");
    }

    [Fact]
    public void LogitForms_MatchProbabilityForms()
    {
        var tape = new Tape();
        var x = tape.Constant([0.0, 1, 3, 7]);
        double p = 0.3, logit = Math.Log(p / (1 - p));
        var b = Bernoulli.LogProbLogit(tape.Constant([0.0, 1]), logit).Value;
        Assert.Equal(Math.Log(1 - p), b[0], 1e-14);
        Assert.Equal(Math.Log(p), b[1], 1e-14);
        var bl = Binomial.LogProbLogit(x, 7.0, logit).Value;
        var bp = Binomial.LogProb(x, 7.0, p).Value;
        var pl = Poisson.LogProbLogRate(x, Math.Log(2.5)).Value;
        var pp = Poisson.LogProb(x, 2.5).Value;
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(bp[i], bl[i], 1e-12);
            Assert.Equal(pp[i], pl[i], 1e-12);
        }
    }

    [Fact]
    public void BadParameters_NameTheArgument()
    {
        Assert.Equal("standardDeviation", Assert.Throws<ArgumentOutOfRangeException>(() => new Normal(0, -1)).ParamName);
        Assert.Equal("mean", Assert.Throws<ArgumentOutOfRangeException>(() => new Normal(double.NaN, 1)).ParamName);
        Assert.Equal("probability", Assert.Throws<ArgumentOutOfRangeException>(() => new Bernoulli(1.5)).ParamName);
        Assert.Equal("trials", Assert.Throws<ArgumentOutOfRangeException>(() => new Binomial(2.5, 0.3)).ParamName);
        Assert.Equal("upper", Assert.Throws<ArgumentException>(() => new Uniform(1, 1)).ParamName);
        Assert.Equal("rate", Assert.Throws<ArgumentOutOfRangeException>(() => new Gamma(1, 0)).ParamName);
        Assert.Equal("logits", Assert.Throws<ArgumentException>(() => new Categorical([])).ParamName);
        Assert.Throws<ArgumentNullException>(() => new Normal(0, 1).Sample(null!, new double[2]));
    }
}
