using Inference.Distributions;
using Inference.Modeling;
using Inference.Models;
using MN = MathNet.Numerics.Distributions;

namespace Inference.Tests.Modeling;

/// <summary>
/// Gradients of a compiled model replayed from its recorded graph (<see cref="CompiledModel.ReplaysRecordedGraph"/>) against
/// running the body at every evaluation: the same bits, and no replay where the recording depended on values.
/// </summary>
public class ReplayModelTests
{
    private static double[] Point(int d, int k) => Enumerable.Range(0, d).Select(i => (0.3 * Math.Sin((k * 7) + i)) - (0.05 * i)).ToArray();

    public static TheoryData<string> Models() => ["eight_schools_noncentered", "eight_schools_centered", "rosenbrock", "funnel", "arma", "arma-loop", "garch", "garch-loop", "kidiq", "regression"];

    private static Model Create(string name) => name switch
    {
        "eight_schools_noncentered" => EightSchools.NonCentered(),
        "eight_schools_centered" => EightSchools.Centered(),
        "rosenbrock" => Rosenbrock.Create(1, 100, 1),
        "funnel" => Funnel.Create(9),
        "arma" => TimeSeries.Arma11(Enumerable.Range(0, 60).Select(t => Math.Sin(t * 0.3) + (0.1 * t % 1.3)).ToArray()),
        "garch" => TimeSeries.Garch11(Enumerable.Range(0, 60).Select(t => Math.Sin(t * 0.7) * (1 + (0.2 * (t % 5)))).ToArray(), 1.0),
        "arma-loop" => TimeSeries.Arma11(Enumerable.Range(0, 30).Select(t => Math.Cos(t * 0.4)).ToArray(), loop: true),
        "garch-loop" => TimeSeries.Garch11(Enumerable.Range(0, 30).Select(t => Math.Sin(t * 0.9)).ToArray(), 1.0, loop: true),
        "regression" => LinearRegression.Create(Tensor.FromMatrix(new double[,] { { 1, 0.5 }, { 0.2, -1 }, { 0.7, 0.1 }, { -0.3, 0.8 } }), [1.0, -0.5, 0.4, 0.9]),
        _ => KidIq.Create([65, 98, 85, 83, 115, 98], [121.1, 89.4, 115.4, 99.4, 92.7, 107.9]),
    };

    [Theory]
    [MemberData(nameof(Models))]
    public void ReplayedGradients_EqualRunningTheBody_ToTheBit(string name)
    {
        var replayed = Create(name).Compile();
        var plain = Create(name).Compile();
        plain.ReplaysRecordedGraph = false;
        var a = replayed.CreateModelEvaluator();
        var b = plain.CreateModelEvaluator();
        int d = replayed.Dimension;
        var ga = new double[d];
        var gb = new double[d];
        int replays = 0;
        for (int k = 0; k < 40; k++)
        {
            var x = Point(d, k);
            double va = a.LogDensityAndGradient(x, ga);
            double vb = b.LogDensityAndGradient(x, gb);
            Assert.Equal(vb, va);
            Assert.Equal(gb, ga);
            Assert.False(b.LastGradientReplayed);
            replays += a.LastGradientReplayed ? 1 : 0;
            if (k % 9 == 4)
            {
                // constraining a draw in between (as a sampler does) keeps the graph
                a.Constrain(x, new double[replayed.Layout.ConstrainedNames.Count]);
            }
        }

        Assert.Null(replayed.ReplayFallbackReason);
        Assert.True(replays >= 40 - 1 - GraphReplay.Checks, $"{replays} of 40 gradients replayed");
    }

    [Fact]
    public void ParameterOutsideASupport_AfterReplays_GivesMinusInfinity()
    {
        // σ is an unconstrained parameter: at σ < 0 the normal's support check makes the density −∞, as running the body does
        var model = Model.Create("free-scale", m =>
        {
            var s = m.Parameter("s");
            m.Observe(Normal.LogProb(m.Tape.Constant(new Tensor([0.3, -0.2], Shape.Vector(2))), 0.0, s));
        }).Compile();
        var ev = model.CreateModelEvaluator();
        var g = new double[1];
        for (int k = 0; k < 10; k++)
        {
            ev.LogDensityAndGradient([1.0 + (0.1 * k)], g);
        }

        Assert.True(ev.LastGradientReplayed);
        Assert.True(double.IsNegativeInfinity(ev.LogDensityAndGradient([-0.5], g)));
        Assert.False(ev.LastGradientReplayed);
        double back = ev.LogDensityAndGradient([1.0], g);
        Assert.Equal(model.CreateModelEvaluator().LogDensity([1.0]), back, 1e-15);
    }

    [Fact]
    public void BodyReadingAValue_IsNeverReplayed()
    {
        // the body chooses what to record from a value: every evaluation must run it
        var model = Model.Create("branching", m =>
        {
            var x = m.Parameter("x");
            m.AddLogDensity(x.Value[0] > 0 ? -Ops.Square(x) : -(x * x * x * x));
        }).Compile();
        var ev = model.CreateModelEvaluator();
        var g = new double[1];
        for (int k = 0; k < 8; k++)
        {
            double x = k % 2 == 0 ? 0.5 + k : -0.5 - k;
            double lp = ev.LogDensityAndGradient([x], g);
            Assert.False(ev.LastGradientReplayed);
            Assert.Equal(x > 0 ? -(x * x) : -(x * x * x * x), lp, 1e-12);
        }
    }

    // x ~ Normal(shift, 1) with the shift read from outside the model at every evaluation
    private static CompiledModel Shifted(string name, Func<double> shift) => Model.Create(name, m =>
    {
        var x = m.Parameter("x");
        m.Prior(Normal.LogProb(x, shift(), 1.0));
    }).Compile();

    [Fact]
    public void BodyWithOutsideState_IsCaughtByTheFirstReplays_AndStopsReplaying()
    {
        // a shift read from outside the model and changed between evaluations: the checked replays disagree with the body
        double shift = 0;
        var model = Shifted("outside-state", () => shift);
        var ev = model.CreateModelEvaluator();
        var g = new double[1];
        for (int k = 0; k < 6; k++)
        {
            shift = k;
            double lp = ev.LogDensityAndGradient([0.25], g);
            Assert.Equal(MN.Normal.PDFLn(shift, 1.0, 0.25), lp, 1e-12);
        }

        Assert.NotNull(model.ReplayFallbackReason);
        Assert.Contains("recording it afresh", model.ReplayFallbackReason);
        Assert.False(ev.LastGradientReplayed);
    }

    [Fact]
    public void OutsideStateCaughtByOneEvaluator_StopsTheReplaysOfTheModelsOtherEvaluators()
    {
        // two chains' evaluators: the second passed its checked replays while the shift stood still; the first then caught
        // the shift changing, and the model reports that gradients run the body: the second must not keep a stale graph
        double shift = 0;
        var model = Shifted("outside-state-2", () => shift);
        var first = model.CreateModelEvaluator();
        var second = model.CreateModelEvaluator();
        var g = new double[1];
        for (int k = 0; k < GraphReplay.Checks + 3; k++)
        {
            second.LogDensityAndGradient([0.25], g);
        }

        Assert.True(second.LastGradientReplayed);
        for (int k = 0; k < GraphReplay.Checks + 2 && model.ReplayFallbackReason is null; k++)
        {
            shift = k + 1;
            first.LogDensityAndGradient([0.25], g);
        }

        Assert.NotNull(model.ReplayFallbackReason);
        shift = 10;
        Assert.Equal(MN.Normal.PDFLn(10, 1.0, 0.25), second.LogDensityAndGradient([0.25], g), 1e-12);
        Assert.Equal(10 - 0.25, g[0], 1e-12);
        Assert.False(second.LastGradientReplayed);
    }
}

/// <summary>Replays of a plain differentiable function's graph (<see cref="GradientEvaluator"/>, LogDensity.FromTape).</summary>
public class ReplayFunctionTests
{
    private static Var Banana(Var x)
    {
        var a = Ops.Slice(x, 0, 1);
        var b = Ops.Slice(x, 1, 1);
        return Ops.Sum((-0.5 * Ops.Square(a)) - (2.0 * Ops.Square(b - Ops.Square(a))));
    }

    [Fact]
    public void FunctionGradients_Replayed_EqualRecording_ToTheBit()
    {
        var replayed = new GradientEvaluator(Banana, 2);
        var plain = new GradientEvaluator(Banana, 2, replay: false);
        var ga = new double[2];
        var gb = new double[2];
        int replays = 0;
        for (int k = 0; k < 20; k++)
        {
            double[] x = [Math.Sin(k), 0.5 * Math.Cos(3 * k)];
            Assert.Equal(plain.ValueAndGradient(x, gb), replayed.ValueAndGradient(x, ga));
            Assert.Equal(gb, ga);
            replays += replayed.LastGradientReplayed ? 1 : 0;
            Assert.False(plain.LastGradientReplayed);
            if (k == 10)
            {
                // a value-only call in between resets the tape: the next gradient records again
                Assert.Equal(plain.Value(x), replayed.Value(x));
            }
        }

        Assert.True(replays >= 20 - 2 - 2 - GraphReplay.Checks, $"{replays} of 20 replayed");
        Assert.Null(replayed.ReplayFallbackReason);
    }

    [Fact]
    public void TapeDensityWithOutsideState_CanOptOutOfReplays()
    {
        // a tempered target: the temperature is read from outside the function and changed after the checked replays, so a
        // replayed graph keeps the old one; LogDensity.FromTape must offer the opt-out GradientEvaluator has
        double temperature = 1;
        Var Tempered(Var x) => -0.5 * temperature * Ops.Sum(Ops.Square(x));
        var replayed = Inference.Densities.LogDensity.FromTape(1, Tempered).CreateEvaluator();
        var plain = Inference.Densities.LogDensity.FromTape(1, Tempered, replay: false).CreateEvaluator();
        var g = new double[1];
        for (int k = 0; k < GraphReplay.Checks + 3; k++)
        {
            replayed.LogDensityAndGradient([0.1 * k], g);
            plain.LogDensityAndGradient([0.1 * k], g);
        }

        temperature = 3;
        Assert.Equal(-0.5 * 0.25, replayed.LogDensityAndGradient([0.5], g));
        Assert.Equal(-0.5, g[0]);
        Assert.Equal(-0.5 * 3 * 0.25, plain.LogDensityAndGradient([0.5], g), 1e-15);
        Assert.Equal(-1.5, g[0], 1e-15);
    }

    [Fact]
    public void TapeDensityWithOutsideState_CaughtByOneEvaluator_StopsTheOthers()
    {
        // as for a compiled model: one evaluator of a FromTape density catching the outside state stops every other's replays
        double shift = 0;
        var density = Inference.Densities.LogDensity.FromTape(1, x => -0.5 * Ops.Sum(Ops.Square(x - shift)));
        var first = density.CreateEvaluator();
        var second = density.CreateEvaluator();
        var g = new double[1];
        for (int k = 0; k < GraphReplay.Checks + 3; k++)
        {
            second.LogDensityAndGradient([0.25], g);
        }

        for (int k = 0; k < GraphReplay.Checks + 2; k++)
        {
            shift = k + 1;
            first.LogDensityAndGradient([0.25], g);
        }

        shift = 10;
        Assert.Equal(-0.5 * 9.75 * 9.75, second.LogDensityAndGradient([0.25], g), 1e-12);
        Assert.Equal(9.75, g[0], 1e-12);
        Assert.Equal(-0.5 * 9.75 * 9.75, density.CreateEvaluator().LogDensityAndGradient([0.25], g), 1e-12);
    }

    [Fact]
    public void FunctionWithAVectorOutput_IsNeverReplayed_AndStillRefused()
    {
        var ev = new GradientEvaluator(x => Ops.Square(x), 2);
        for (int k = 0; k < 5; k++)
        {
            Assert.Throws<InvalidOperationException>(() => ev.ValueAndGradient([1.0, 2.0], new double[2]));
        }
    }
}
