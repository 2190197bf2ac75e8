using System.Text.Json;
using Inference.Distributions;
using Inference.Modeling;
using Inference.Transforms;

namespace Inference.Tests.Transforms;

/// <summary>
/// Bounds that depend on other parameters: Stan programs ported without hand-written transforms, held to rstan's
/// log-density, gradient and constrained values (reference/fixtures/bounds, made by tools/bounds-fixtures.R); the
/// transform's Jacobian against a brute-force one, and its round trip.
/// </summary>
public class BoundsTests
{
    private static readonly Normal PriorA = new(0, 1), PriorB = new(1, 2), PriorD = new(-1, 2), PriorC = new(0.5, 1);

    /// <summary>posteriordb's garch11: real&lt;lower=0, upper=(1 - alpha1)&gt; beta1.</summary>
    internal static Model Garch(double[] y, double sigma1)
    {
        var yData = Tensor.FromVector(y);
        return Model.Create("garch11", m =>
        {
            var mu = m.Parameter("mu");
            var alpha0 = m.Parameter("alpha0", Constraint.Positive);
            var alpha1 = m.Parameter("alpha1", Constraint.Interval(0, 1));
            var beta1 = m.Parameter("beta1", Bounds.Interval(0.0, 1.0 - alpha1));
            var yv = m.Tape.Constant(yData);
            var sigma = new Var[y.Length];
            sigma[0] = m.Tape.Constant(sigma1);
            for (int t = 1; t < y.Length; t++)
            {
                sigma[t] = Ops.Sqrt(alpha0 + (alpha1 * Ops.Square(y[t - 1] - mu)) + (beta1 * Ops.Square(sigma[t - 1])));
            }

            var sigmas = Ops.Concat(sigma.Select(s => Ops.Reshape(s, Shape.Vector(1))).ToArray());
            m.Observe(Normal.LogProb(yv, mu, sigmas));
        });
    }

    /// <summary>real a; real&lt;lower=a&gt; b; real&lt;upper=a&gt; d; vector&lt;lower=a, upper=b&gt;[3] c; with normal priors.</summary>
    internal static Model DependentBounds() => Model.Create("dependent_bounds", m =>
    {
        var a = m.Parameter("a", PriorA);
        var b = m.Parameter("b", Bounds.GreaterThan(a), PriorB);
        m.Parameter("d", Bounds.LessThan(a), PriorD);
        m.Parameter("c", 3, Bounds.Interval(a, b), PriorC);
    });

    public static TheoryData<string> Programs() => ["garch11", "dependent_bounds"];

    private static (CompiledModel Model, JsonDocument Fixture) Load(string name)
    {
        var fixture = ReferenceData.Json("fixtures", "bounds", name + ".json");
        var data = fixture.RootElement.GetProperty("data");
        var model = name == "garch11"
            ? Garch(data.GetProperty("y").EnumerateArray().Select(v => v.GetDouble()).ToArray(), data.GetProperty("sigma1").GetDouble())
            : DependentBounds();
        return (model.Compile(), fixture);
    }

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    [Theory]
    [MemberData(nameof(Programs))]
    public void LogDensityAndGradient_MatchStan(string name)
    {
        var (model, fixture) = Load(name);
        using (fixture)
        {
            var root = fixture.RootElement;
            Assert.Equal(root.GetProperty("dimension").GetInt32(), model.Dimension);
            Assert.Equal(root.GetProperty("constrained_names").EnumerateArray().Select(e => e.GetString()), model.Layout.ConstrainedNames);
            var ev = model.CreateModelEvaluator();
            var grad = new double[model.Dimension];
            double lp0 = double.NaN, stan0 = double.NaN;
            foreach (var point in root.GetProperty("points").EnumerateArray())
            {
                var u = Doubles(point.GetProperty("unconstrained"));
                double lp = ev.LogDensityAndGradient(u, grad);
                double stan = point.GetProperty("log_prob_jacobian").GetDouble();
                if (double.IsNaN(lp0))
                {
                    (lp0, stan0) = (lp, stan);
                }

                double scale = Math.Max(1, Math.Max(Math.Abs(stan), Math.Abs(stan0)));
                Assert.True(Math.Abs((lp - lp0) - (stan - stan0)) <= 1e-9 * scale, $"{name} point {point.GetProperty("id")}: Δlp {lp - lp0:R} vs Stan {stan - stan0:R}");
                var stanGrad = Doubles(point.GetProperty("grad_log_prob_jacobian"));
                for (int i = 0; i < grad.Length; i++)
                {
                    Assert.True(Math.Abs(grad[i] - stanGrad[i]) <= 1e-9 * Math.Max(1, Math.Abs(stanGrad[i])), $"{name} point {point.GetProperty("id")}: ∂/∂u[{i}] {grad[i]:R} vs Stan {stanGrad[i]:R}");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public void ConstrainedValues_MatchStan_AndUnconstrainRoundTrips(string name)
    {
        var (model, fixture) = Load(name);
        using (fixture)
        {
            var ev = model.CreateModelEvaluator();
            var constrained = new double[model.Layout.ConstrainedNames.Count];
            foreach (var point in fixture.RootElement.GetProperty("points").EnumerateArray())
            {
                var u = Doubles(point.GetProperty("unconstrained"));
                var expected = Doubles(point.GetProperty("constrained"));
                ev.Constrain(u, constrained);
                for (int i = 0; i < expected.Length; i++)
                {
                    Assert.True(Math.Abs(constrained[i] - expected[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"{name}: {model.Layout.ConstrainedNames[i]} {constrained[i]:R} vs Stan {expected[i]:R}");
                }

                var back = model.Unconstrain(expected);
                for (int i = 0; i < u.Length; i++)
                {
                    Assert.True(Math.Abs(back[i] - u[i]) <= 1e-9 * Math.Max(1, Math.Abs(u[i])), $"{name}: unconstrain u[{i}] {back[i]:R} vs {u[i]:R}");
                }
            }
        }
    }

    [Fact]
    public void LogJacobian_MatchesABruteForceJacobian()
    {
        // the constrained values depend on u through the bounds too: the Jacobian is triangular, its log-determinant the
        // sum of the log-diagonal; compare the model's log-Jacobian with finite differences of the constrain map
        var model = DependentBounds().Compile();
        var ev = model.CreateModelEvaluator();
        double[] u = [0.3, -1.1, 0.4, 1.7, -0.2, 0.9];
        int d = u.Length;
        var jacobian = new double[d, d];
        var plus = new double[d];
        var minus = new double[d];
        const double h = 1e-6;
        for (int j = 0; j < d; j++)
        {
            var up = (double[])u.Clone();
            var down = (double[])u.Clone();
            up[j] += h;
            down[j] -= h;
            ev.Constrain(up, plus);
            ev.Constrain(down, minus);
            for (int i = 0; i < d; i++)
            {
                jacobian[i, j] = (plus[i] - minus[i]) / (2 * h);
            }
        }

        double logDet = Math.Log(Math.Abs(MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.DenseOfArray(jacobian).Determinant()));
        Assert.Equal(logDet, ev.Parts(u).LogJacobian, 1e-7);
    }

    [Fact]
    public void Gradient_MatchesFiniteDifferences()
    {
        var model = DependentBounds().Compile();
        var ev = model.CreateModelEvaluator();
        double[] u = [0.3, -1.1, 0.4, 1.7, -0.2, 0.9];
        var grad = new double[u.Length];
        ev.LogDensityAndGradient(u, grad);
        for (int i = 0; i < u.Length; i++)
        {
            var up = (double[])u.Clone();
            var down = (double[])u.Clone();
            up[i] += 1e-6;
            down[i] -= 1e-6;
            double fd = (ev.LogDensity(up) - ev.LogDensity(down)) / 2e-6;
            Assert.Equal(fd, grad[i], 1e-6);
        }
    }

    [Fact]
    public void ValuesOutsideTheirDependentBounds_AreRefusedByUnconstrain()
    {
        var model = DependentBounds().Compile();
        // a = 0, b = 1, d = −1, c must lie in (0, 1): 1.5 does not
        var ex = Assert.Throws<ArgumentException>(() => model.Unconstrain([0.0, 1.0, -1.0, 0.2, 1.5, 0.3]));
        Assert.Equal("constrainedParameters", ex.ParamName);
        Assert.Contains("'c'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("'b'", Assert.Throws<ArgumentException>(() => model.Unconstrain([0.0, -1.0, -1.0, 0.2, 0.5, 0.3])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TheLayoutBijector_SaysToGoThroughTheModel()
    {
        var info = DependentBounds().Compile().Layout["b"];
        var ex = Assert.Throws<InvalidOperationException>(() => info.Bijector.Forward(new Tape().Constant([0.0]), out _));
        Assert.Contains("through the model", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void BoundsOfTheWrongSize_AreRefusedNamingTheParameter()
    {
        var model = Model.Create("bad", m =>
        {
            var lower = m.Parameter("lower", 2);
            m.Parameter("x", 3, Bounds.GreaterThan(lower));
        });
        var ex = Assert.Throws<ArgumentException>(() => model.Compile());
        Assert.Equal("bounds", ex.ParamName);
        Assert.Contains("'x'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ConstantInfiniteBound_MeansNoBound_AndPriorOnAConstrainedParameterIsAdded()
    {
        var prior = new Normal(0, 1);
        var model = Model.Create("half_normal_by_constraint", m =>
        {
            m.Parameter("x", Bounds.Interval(double.NegativeInfinity, double.PositiveInfinity), prior);
            m.Parameter("sigma", Constraint.Positive, prior);
        }).Compile();
        var ev = model.CreateModelEvaluator();
        double[] u = [0.7, -0.4];
        var parts = ev.Parts(u);
        double sigma = Math.Exp(-0.4);
        Assert.Equal(-0.4, parts.LogJacobian, 1e-14);   // x: identity; sigma = e^u: log|J| = u
        Assert.Equal(MathNet.Numerics.Distributions.Normal.PDFLn(0, 1, 0.7) + MathNet.Numerics.Distributions.Normal.PDFLn(0, 1, sigma), parts.LogPrior, 1e-12);
    }
}
