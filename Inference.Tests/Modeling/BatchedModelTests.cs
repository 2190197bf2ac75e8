using Inference.Autodiff;
using Inference.Distributions;
using Inference.Flows;
using Inference.Flows.Variational;
using Inference.Modeling;
using Inference.Models;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Tests.Modeling;

/// <summary>A compiled model's batch of points in one tape pass against the same points one at a time.</summary>
public class BatchedModelTests
{
    public static TheoryData<string> Batchable => ["eight_schools_noncentered", "eight_schools_centered", "kidiq", "logistic", "logistic_glm", "linear", "bounded", "matrix", "outside_support"];

    private static Model Create(string name)
    {
        switch (name)
        {
            case "eight_schools_noncentered":
                return EightSchools.NonCentered();
            case "eight_schools_centered":
                return EightSchools.Centered();
            case "kidiq":
            {
                var rng = new Rng(11);
                var iq = Enumerable.Range(0, 60).Select(_ => 100 + (15 * rng.Normal())).ToArray();
                var score = iq.Select(v => 26 + (0.6 * v) + (18 * rng.Normal())).ToArray();
                return KidIq.Create(score, iq);
            }

            case "logistic":
            {
                var (x, y) = LogisticRegression.Simulate(300, 25, 5);
                return LogisticRegression.Create(x, y);
            }

            case "logistic_glm":
            {
                var (x, y) = LogisticRegression.Simulate(300, 25, 5);
                return LogisticRegression.Create(x, y, glm: true);
            }

            case "linear":
            {
                var (x, y) = LogisticRegression.Simulate(80, 4, 6);
                return LinearRegression.Create(x, y.Select((v, i) => v + (0.1 * i)).ToArray());
            }

            case "bounded":
            {
                // an interval constraint, a lower bound, a Student-t observation and a scalar derived term
                var scalePrior = new HalfNormal(2);
                double[] data = [0.3, -1.2, 2.5, 0.7, 1.1];
                return Model.Create("bounded", m =>
                {
                    var p = m.Parameter("p", Constraint.Interval(0, 1));
                    var s = m.Parameter("s", scalePrior);
                    var loc = m.Parameter("loc", 3);
                    m.Prior(Normal.LogProb(loc, 0.0, 3.0));
                    m.Prior(Beta.LogProb(p, 2.0, 2.0));
                    var mean = Ops.Mean(loc) + (p * Ops.Sum(loc, -1));
                    m.Observe(StudentT.LogProb(m.Data("d", data), 4.0, mean, s));
                });
            }

            case "matrix":
            {
                // a matrix parameter: rows summed, then against data
                double[] data = [1.0, -0.5, 0.25];
                return Model.Create("matrix", m =>
                {
                    var w = m.Parameter("w", 3, 2);
                    m.Prior(Normal.LogProb(w, 0.0, 1.0));
                    var rowSums = Ops.Sum(w, -1);
                    m.Observe(Normal.LogProb(m.Data("d", data), rowSums, 0.7));
                });
            }

            case "outside_support":
            {
                // a half-normal prior on an unconstrained parameter: the points with s < 0 are outside its support (−∞)
                var prior = new HalfNormal(1);
                double[] data = [0.5, -0.3];
                return Model.Create("outside_support", m =>
                {
                    var s = m.Parameter("s");
                    var loc = m.Parameter("loc", 2);
                    m.Prior(prior.LogProb(s));
                    m.Observe(Normal.LogProb(m.Data("d", data), loc, Ops.Exp(s)));
                });
            }

            default:
                throw new ArgumentException(name);
        }
    }

    private static double[] Points(int dimension, int rows, ulong seed)
    {
        var points = new double[rows * dimension];
        new Rng(seed).Normal(points);
        for (int i = 0; i < points.Length; i++)
        {
            points[i] *= 0.7;
        }

        return points;
    }

    [Theory]
    [MemberData(nameof(Batchable))]
    public void BatchOfPoints_EqualsPointByPoint_To1e12(string name)
    {
        var model = Create(name).Compile();
        int d = model.Dimension, rows = 37;
        var points = Points(d, rows, 21);
        var ev = model.CreateModelEvaluator();
        var values = new double[rows];
        var gradients = new double[rows * d];
        ev.LogDensityAndGradientBatch(points, values, gradients);   // the first batch is checked against points
        Assert.Null(model.BatchFallbackReason);
        Assert.True(model.IsBatchVerified);

        // a second batch, other points: now in one pass only, and equal to a fresh evaluator's points
        points = Points(d, rows, 22);
        ev.LogDensityAndGradientBatch(points, values, gradients);
        var single = model.CreateModelEvaluator();
        var g = new double[d];
        for (int r = 0; r < rows; r++)
        {
            double v = single.LogDensityAndGradient(points.AsSpan(r * d, d), g);
            Assert.True(Close(v, values[r]), $"{name}: row {r} value {values[r]} vs {v}");
            for (int j = 0; j < d; j++)
            {
                Assert.True(Close(g[j], gradients[(r * d) + j]), $"{name}: row {r} gradient {j}: {gradients[(r * d) + j]} vs {g[j]}");
            }
        }
    }

    private static bool Close(double a, double b) => a.Equals(b) || Math.Abs(a - b) <= 1e-12 * Math.Max(1, Math.Abs(a));

    [Fact]
    public void GlmLikelihood_EqualsTheComposedOne()
    {
        var (x, y) = LogisticRegression.Simulate(300, 25, 5);
        var fused = LogisticRegression.Create(x, y, glm: true).Compile().CreateEvaluator();
        var composed = LogisticRegression.Create(x, y).Compile().CreateEvaluator();
        var points = Points(26, 5, 30);
        var g1 = new double[26];
        var g2 = new double[26];
        for (int r = 0; r < 5; r++)
        {
            double v1 = fused.LogDensityAndGradient(points.AsSpan(r * 26, 26), g1);
            double v2 = composed.LogDensityAndGradient(points.AsSpan(r * 26, 26), g2);
            Assert.True(Close(v2, v1), $"{v1} vs {v2}");
            for (int j = 0; j < 26; j++)
            {
                Assert.True(Close(g2[j], g1[j]), $"gradient {j}: {g1[j]} vs {g2[j]}");
            }
        }
    }

    [Fact]
    public void BatchedPass_IsOneTapePass_NotRows()
    {
        // a body that counts its runs: a batch of 16 runs it once (after the checked first batch)
        int runs = 0;
        var model = Model.Create("count", m =>
        {
            runs++;
            var x = m.Parameter("x", 2);
            m.Prior(Normal.LogProb(x, 0.0, 1.0));
        }).Compile();
        var ev = model.CreateModelEvaluator();
        var points = Points(2, 16, 3);
        var values = new double[16];
        var gradients = new double[32];
        ev.LogDensityAndGradientBatch(points, values, gradients);
        runs = 0;
        ev.LogDensityAndGradientBatch(points, values, gradients);
        Assert.Equal(1, runs);
        Assert.Equal(-points.AsSpan(0, 2).ToArray().Sum(v => v * v) / 2 - Math.Log(2 * Math.PI), values[0], 1e-12);
    }

    [Fact]
    public void BodyThatCannotBeBatched_FallsBackToRows_AndSaysWhy()
    {
        var model = Model.Create("cumulative", m =>
        {
            var x = m.Parameter("x", 3);
            m.Prior(Normal.LogProb(Ops.CumSum(x), 0.0, 1.0));
        }).Compile();
        var ev = model.CreateModelEvaluator();
        int d = model.Dimension, rows = 8;
        var points = Points(d, rows, 4);
        var values = new double[rows];
        var gradients = new double[rows * d];
        ev.LogDensityAndGradientBatch(points, values, gradients);
        Assert.NotNull(model.BatchFallbackReason);
        Assert.Contains("CumSum", model.BatchFallbackReason, StringComparison.Ordinal);
        var g = new double[d];
        for (int r = 0; r < rows; r++)
        {
            Assert.Equal(ev.LogDensityAndGradient(points.AsSpan(r * d, d), g), values[r]);
            Assert.Equal(g, gradients.AsSpan(r * d, d).ToArray());
        }

        // a fit says so in its warnings
        var fit = VariationalFit.Run(FlowDistribution.MeanField(d), model, new VariationalOptions { Iterations = 5, EvaluationDraws = 50, Seed = 1 });
        Assert.Contains(fit.Warnings, w => w.Contains("one at a time", StringComparison.Ordinal) && w.Contains("CumSum", StringComparison.Ordinal));
    }

    [Fact]
    public void BatchableModel_FitHasNoBatchWarning()
    {
        var model = EightSchools.NonCentered().Compile();
        var fit = VariationalFit.Run(FlowDistribution.MeanField(model.Dimension), model, new VariationalOptions { Iterations = 5, EvaluationDraws = 50, Seed = 1 });
        Assert.DoesNotContain(fit.Warnings, w => w.Contains("one at a time", StringComparison.Ordinal));
        Assert.True(model.IsBatchVerified);
    }

    [Fact]
    public void BatchedPass_AllocatesNothing_AfterWarmUp()
    {
        var (x, y) = LogisticRegression.Simulate(200, 10, 8);
        var model = LogisticRegression.Create(x, y).Compile();
        var ev = model.CreateModelEvaluator();
        int d = model.Dimension, rows = 64;
        var points = Points(d, rows, 9);
        var values = new double[rows];
        var gradients = new double[rows * d];
        for (int i = 0; i < 3; i++)
        {
            ev.LogDensityAndGradientBatch(points, values, gradients);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        ev.LogDensityAndGradientBatch(points, values, gradients);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
