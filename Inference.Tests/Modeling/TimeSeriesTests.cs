using Inference.Autodiff;
using Inference.Modeling;
using Inference.Models;
using Inference.Randomness;

namespace Inference.Tests.Modeling;

/// <summary>ARMA(1,1) and GARCH(1,1) written with the scan op against the same models written one scalar step at a time.</summary>
public class TimeSeriesTests
{
    public static TheoryData<string> Models => ["arma11", "garch11"];

    private static (Model Scan, Model Loop) Create(string name) => name == "arma11"
        ? (TimeSeries.Arma11(TimeSeries.SimulateArma11(200, 1)), TimeSeries.Arma11(TimeSeries.SimulateArma11(200, 1), loop: true))
        : (TimeSeries.Garch11(TimeSeries.SimulateGarch11(200, 2), 1.0), TimeSeries.Garch11(TimeSeries.SimulateGarch11(200, 2), 1.0, loop: true));

    [Theory]
    [MemberData(nameof(Models))]
    public void Scan_EqualsTheScalarLoop(string name)
    {
        var (scan, loop) = Create(name);
        var a = scan.Compile().CreateModelEvaluator();
        var b = loop.Compile().CreateModelEvaluator();
        var rng = new Rng(5);
        int d = scan.Compile().Dimension;
        var ga = new double[d];
        var gb = new double[d];
        for (int p = 0; p < 10; p++)
        {
            var u = Initialization.Random(scan.Compile(), rng);
            double va = a.LogDensityAndGradient(u, ga), vb = b.LogDensityAndGradient(u, gb);
            Assert.True(Math.Abs(va - vb) <= 1e-9 * Math.Max(1, Math.Abs(vb)), $"{name}: {va} vs {vb}");
            for (int j = 0; j < d; j++)
            {
                Assert.True(Math.Abs(ga[j] - gb[j]) <= 1e-8 * Math.Max(1, Math.Abs(gb[j])), $"{name}: gradient {j}: {ga[j]} vs {gb[j]}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ScanModel_GradientMatchesFiniteDifferences(string name)
    {
        var model = Create(name).Scan.Compile();
        var ev = model.CreateModelEvaluator();
        int d = model.Dimension;
        var u = Initialization.Random(model, new Rng(9));
        var g = new double[d];
        ev.LogDensityAndGradient(u, g);
        for (int j = 0; j < d; j++)
        {
            var up = (double[])u.Clone();
            var down = (double[])u.Clone();
            double h = 1e-6 * Math.Max(1, Math.Abs(u[j]));
            up[j] += h;
            down[j] -= h;
            double fd = (ev.LogDensity(up) - ev.LogDensity(down)) / (2 * h);
            Assert.True(Math.Abs(fd - g[j]) <= 1e-5 * Math.Max(1, Math.Abs(g[j])), $"{name}: coordinate {j}: AD {g[j]}, FD {fd}");
        }
    }

    [Theory]
    [MemberData(nameof(Models))]
    public void ScanGradient_AllocatesNothing_AfterWarmUp(string name)
    {
        var model = Create(name).Scan.Compile();
        var ev = model.CreateModelEvaluator();
        var u = Initialization.Random(model, new Rng(3));
        var g = new double[model.Dimension];
        for (int i = 0; i < 3; i++)
        {
            ev.LogDensityAndGradient(u, g);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        ev.LogDensityAndGradient(u, g);
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    [Fact]
    public void Scan_RefusesMismatchedShapes_NamingTheArgument()
    {
        var tape = new Tape();
        var a = tape.Variable([1.0, 2, 3]);
        Assert.Throws<ArgumentException>("b", () => Ops.Scan(a, tape.Variable([1.0, 2]), tape.Constant(0.0)));
        Assert.Throws<ArgumentException>("initial", () => Ops.Scan(a, tape.Constant(0.5), tape.Variable([1.0, 2])));
        Assert.Throws<ArgumentException>("a", () => Ops.Scan(tape.Constant(1.0), tape.Constant(0.5), tape.Constant(0.0)));
        Assert.Throws<ArgumentException>("parts", () => Ops.Concat([tape.Constant(1.0), tape.Variable(new double[4], Shape.Matrix(2, 2))]));
    }
}
