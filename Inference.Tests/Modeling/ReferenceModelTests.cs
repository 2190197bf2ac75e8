using System.Text.Json;
using Inference.Modeling;
using Inference.Models;

namespace Inference.Tests.Modeling;

/// <summary>
/// The reference models against Stan's own log-density, gradient and transforms at the fixture points
/// (reference/fixtures/logdensity). Stan drops constants, so log-densities are compared as differences.
/// </summary>
public class ReferenceModelTests
{
    public static TheoryData<string> Posteriors() => new(PosteriorCatalog.Names);

    internal static Model Build(string posterior) => PosteriorCatalog.Load(posterior, ReferenceData.Posteriors);

    private static double[] Doubles(JsonElement e) => e.EnumerateArray().Select(v => v.GetDouble()).ToArray();

    [Theory]
    [MemberData(nameof(Posteriors))]
    public void Layout_MatchesStanNames(string posterior)
    {
        using var fixture = ReferenceData.Json("fixtures", "logdensity", posterior + ".json");
        var model = Build(posterior).Compile();
        var root = fixture.RootElement;
        Assert.Equal(root.GetProperty("dimension").GetInt32(), model.Dimension);
        // The fixture labels transformed coordinates descriptively ("tau (log scale)"); ours carry the plain element name.
        var stanUnconstrained = root.GetProperty("unconstrained_names").EnumerateArray()
            .Select(e => System.Text.RegularExpressions.Regex.Replace(e.GetString()!, @" \([a-z ]+ scale\)$", string.Empty));
        Assert.Equal(stanUnconstrained, model.Layout.UnconstrainedNames);
        Assert.Equal(root.GetProperty("constrained_names").EnumerateArray().Select(e => e.GetString()), model.Layout.ConstrainedNames);
    }

    [Theory]
    [MemberData(nameof(Posteriors))]
    public void LogDensityDifferencesAndGradients_MatchStan(string posterior)
    {
        using var fixture = ReferenceData.Json("fixtures", "logdensity", posterior + ".json");
        var model = Build(posterior).Compile();
        var evaluator = model.CreateModelEvaluator();
        var points = fixture.RootElement.GetProperty("points").EnumerateArray().ToArray();
        var grad = new double[model.Dimension];
        double lp0 = double.NaN, stan0 = double.NaN;
        foreach (var point in points)
        {
            var u = Doubles(point.GetProperty("unconstrained"));
            double lp = evaluator.LogDensityAndGradient(u, grad);
            double stan = point.GetProperty("log_prob_jacobian").GetDouble();
            if (double.IsNaN(lp0))
            {
                (lp0, stan0) = (lp, stan);
            }

            // differences between points, relative to the magnitudes being differenced
            double scale = Math.Max(1, Math.Max(Math.Abs(stan), Math.Abs(stan0)));
            Assert.True(Math.Abs((lp - lp0) - (stan - stan0)) <= 1e-8 * scale, $"{posterior} point {point.GetProperty("id")}: Δlp {lp - lp0:R} vs Stan {stan - stan0:R}");

            var stanGrad = Doubles(point.GetProperty("grad_log_prob_jacobian"));
            for (int i = 0; i < grad.Length; i++)
            {
                Assert.True(Math.Abs(grad[i] - stanGrad[i]) <= 1e-8 * Math.Max(1, Math.Abs(stanGrad[i])), $"{posterior} point {point.GetProperty("id")}: ∂/∂{model.CoordinateNames[i]} {grad[i]:R} vs Stan {stanGrad[i]:R}");
            }

            Assert.Equal(lp, evaluator.LogDensity(u), 1e-12 * Math.Max(1, Math.Abs(lp)));
        }
    }

    [Theory]
    [MemberData(nameof(Posteriors))]
    public void TransformsAndJacobian_MatchStan(string posterior)
    {
        using var fixture = ReferenceData.Json("fixtures", "logdensity", posterior + ".json");
        var model = Build(posterior).Compile();
        var evaluator = model.CreateModelEvaluator();
        var constrained = new double[model.Layout.ConstrainedNames.Count];
        int parameterValues = model.Layout.ParameterNames.Count;
        foreach (var point in fixture.RootElement.GetProperty("points").EnumerateArray())
        {
            var u = Doubles(point.GetProperty("unconstrained"));
            var expected = Doubles(point.GetProperty("constrained"));
            evaluator.Constrain(u, constrained);
            for (int i = 0; i < expected.Length; i++)
            {
                Assert.True(Math.Abs(constrained[i] - expected[i]) <= 1e-12 * Math.Max(1, Math.Abs(expected[i])), $"{posterior}: {model.Layout.ConstrainedNames[i]} {constrained[i]:R} vs Stan {expected[i]:R}");
            }

            Assert.Equal(point.GetProperty("log_jacobian").GetDouble(), evaluator.Parts(u).LogJacobian, 1e-10);

            var back = model.Unconstrain(expected.AsSpan(0, parameterValues));
            for (int i = 0; i < u.Length; i++)
            {
                Assert.True(Math.Abs(back[i] - u[i]) <= 1e-10 * Math.Max(1, Math.Abs(u[i])), $"{posterior}: unconstrain {model.CoordinateNames[i]} {back[i]:R} vs {u[i]:R}");
            }
        }
    }
}
