using Inference.Densities;
using Inference.Models;

namespace Inference.Tests.Densities;

public class LogDensityTests
{
    private static double Banana(ReadOnlySpan<double> x) => (-0.05 * (x[0] - 1) * (x[0] - 1)) - (5 * Math.Pow(x[1] - (x[0] * x[0]), 2));

    private static double BananaGradient(ReadOnlySpan<double> x, Span<double> g)
    {
        double r = x[1] - (x[0] * x[0]);
        g[0] = (-0.1 * (x[0] - 1)) + (20 * r * x[0]);
        g[1] = -10 * r;
        return Banana(x);
    }

    public static TheoryData<string> Sources() => ["tape", "batched tape", "delegates", "model"];

    private static ILogDensity Make(string source) => source switch
    {
        "tape" => LogDensity.FromTape(2, x =>
        {
            var x0 = Ops.Slice(x, 0, 1);
            var x1 = Ops.Slice(x, 1, 1);
            return Ops.Sum((-0.05 * Ops.Square(x0 - 1.0)) - (5.0 * Ops.Square(x1 - Ops.Square(x0))));
        }),
        "batched tape" => LogDensity.FromBatchedTape(2, x =>
        {
            var x0 = Ops.Slice(x, 0, 1);
            var x1 = Ops.Slice(x, 1, 1);
            return Ops.Sum((-0.05 * Ops.Square(x0 - 1.0)) - (5.0 * Ops.Square(x1 - Ops.Square(x0))), -1);
        }),
        "delegates" => LogDensity.FromDelegates(2, Banana, BananaGradient),
        _ => Rosenbrock.Create().Compile(),
    };

    [Theory]
    [MemberData(nameof(Sources))]
    public void EverySource_GivesTheSameValuesGradientsAndBatches(string source)
    {
        var density = Make(source);
        Assert.Equal(2, density.Dimension);
        Assert.Equal(2, density.CoordinateNames.Count);
        var ev = density.CreateEvaluator();
        double[] points = [0.3, -0.2, 1.5, 2.1, -1, 0.7];
        var values = new double[3];
        var grads = new double[6];
        ev.LogDensityAndGradientBatch(points, values, grads);
        var expectedGrad = new double[2];
        for (int r = 0; r < 3; r++)
        {
            var x = points.AsSpan(r * 2, 2);
            double expected = BananaGradient(x, expectedGrad);
            Assert.Equal(expected, values[r], 1e-12);
            Assert.Equal(expected, ev.LogDensity(x), 1e-12);
            Assert.Equal(expectedGrad[0], grads[r * 2], 1e-12);
            Assert.Equal(expectedGrad[1], grads[(r * 2) + 1], 1e-12);
        }

        Assert.Equal("points", Assert.Throws<ArgumentException>(() => ev.LogDensityAndGradientBatch(new double[5], new double[2], new double[5])).ParamName);
        Assert.Equal("values", Assert.Throws<ArgumentException>(() => ev.LogDensityAndGradientBatch(new double[4], new double[3], new double[4])).ParamName);
    }

    [Fact]
    public void BatchedTape_SinglePointGradient_AndAWrongResultShapeIsReported()
    {
        var ev = Make("batched tape").CreateEvaluator();
        var g = new double[2];
        var expected = new double[2];
        double[] x = [0.4, 1.1];
        Assert.Equal(BananaGradient(x, expected), ev.LogDensityAndGradient(x, g), 1e-12);
        Assert.Equal(expected[0], g[0], 1e-12);
        Assert.Equal(expected[1], g[1], 1e-12);

        // a function that sums over the batch instead of per row
        var wrong = LogDensity.FromBatchedTape(2, v => Ops.Sum(Ops.Square(v))).CreateEvaluator();
        var error = Assert.Throws<InvalidOperationException>(() => wrong.LogDensityAndGradientBatch(new double[6], new double[3], new double[6]));
        Assert.Contains("one value per row", error.Message, StringComparison.Ordinal);
        Assert.Equal("batchFunction", Assert.Throws<ArgumentNullException>(() => LogDensity.FromBatchedTape(2, null!)).ParamName);
        Assert.Equal("x", Assert.Throws<ArgumentException>(() => ev.LogDensity(new double[3])).ParamName);
    }

    [Fact]
    public void Construction_ChecksArguments()
    {
        Assert.Equal("dimension", Assert.Throws<ArgumentOutOfRangeException>(() => LogDensity.FromTape(0, x => x)).ParamName);
        Assert.Equal("names", Assert.Throws<ArgumentException>(() => LogDensity.FromTape(2, x => x, ["a"])).ParamName);
        Assert.Equal(["x[1]", "x[2]"], LogDensity.FromDelegates(2, Banana, BananaGradient).CoordinateNames);
        Assert.Equal("gradient", Assert.Throws<ArgumentException>(() => LogDensity.FromDelegates(2, Banana, BananaGradient).CreateEvaluator().LogDensityAndGradient(new double[2], new double[3])).ParamName);
    }
}
