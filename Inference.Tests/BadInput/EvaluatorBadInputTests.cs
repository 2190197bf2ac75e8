using Inference.Autodiff;
using Inference.Densities;
using Inference.Distributions;
using Inference.Modeling;

namespace Inference.Tests.BadInput;

/// <summary>
/// An evaluator used from two threads at once, or re-entered from its own model body, raises a clear error instead of
/// returning corrupted values; Vars that escape their tape say why that happened.
/// </summary>
public class EvaluatorBadInputTests
{
    /// <summary>A model whose body blocks, the first time it is asked to, until released: it holds the tape mid-evaluation.</summary>
    private sealed class BlockingModel
    {
        private readonly Normal _prior = new(0, 1);
        private int _armed;

        public ManualResetEventSlim Entered { get; } = new();

        public ManualResetEventSlim Release { get; } = new();

        /// <summary>Makes the next evaluation block until <see cref="Release"/> is set.</summary>
        public void Arm() => Volatile.Write(ref _armed, 1);

        public Model Model => Model.Create("blocking", m =>
        {
            m.Parameter("x", _prior);
            if (Interlocked.Exchange(ref _armed, 0) == 1)
            {
                Entered.Set();
                Release.Wait(TimeSpan.FromSeconds(30));
            }
        });
    }

    [Fact]
    public void SecondThreadOnTheSameEvaluator_GetsAClearError_AndTheFirstResultIsRight()
    {
        var blocking = new BlockingModel();
        var model = blocking.Model.Compile();
        var shared = model.CreateEvaluator();
        double expected = model.CreateEvaluator().LogDensity([0.3]);
        var gradient = new double[1];
        blocking.Arm();
        double firstValue = double.NaN;
        var first = new Thread(() => firstValue = shared.LogDensityAndGradient([0.3], gradient));
        first.Start();
        Assert.True(blocking.Entered.Wait(TimeSpan.FromSeconds(30)));

        var error = Assert.Throws<InvalidOperationException>(() => shared.LogDensity([0.3]));
        Assert.Contains("Two threads are evaluating on one tape at once", error.Message, StringComparison.Ordinal);
        Assert.Contains("one evaluator per thread or chain", error.Message, StringComparison.Ordinal);

        blocking.Release.Set();
        first.Join();
        Assert.Equal(expected, firstValue, 1e-14);
        Assert.Equal(-0.3, gradient[0], 1e-14);
        // released: the evaluator works again from any thread
        Assert.Equal(expected, shared.LogDensity([0.3]), 1e-14);
    }

    [Fact]
    public void EvaluatorCalledFromItsOwnModelBody_SaysItWasReentered()
    {
        ILogDensityEvaluator? self = null;
        var model = Model.Create("reentrant", m =>
        {
            m.Parameter("x", new Normal(0, 1));
            if (self is not null && m.Tape.IsRecording)
            {
                self.LogDensity([1.0]);
            }
        }).Compile();
        var evaluator = model.CreateEvaluator();
        self = evaluator;
        var error = Assert.Throws<InvalidOperationException>(() => evaluator.LogDensityAndGradient([0.5], new double[1]));
        Assert.Contains("called again from inside its own evaluation", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TapeFunctionShared_GetsTheSameProtection()
    {
        var gate = new ManualResetEventSlim();
        var entered = new ManualResetEventSlim();
        int block = 0;
        var density = LogDensity.FromTape(1, x =>
        {
            if (Interlocked.Exchange(ref block, 0) == 1)
            {
                entered.Set();
                gate.Wait(TimeSpan.FromSeconds(30));
            }

            return -0.5 * Ops.Sum(x * x);
        });
        var shared = density.CreateEvaluator();
        block = 1;
        var first = new Thread(() => shared.LogDensityAndGradient([1.0], new double[1]));
        first.Start();
        Assert.True(entered.Wait(TimeSpan.FromSeconds(30)));
        Assert.Throws<InvalidOperationException>(() => shared.LogDensityAndGradient([1.0], new double[1]));
        gate.Set();
        first.Join();
    }

    [Fact]
    public void VarFromAnotherTape_SaysTheBodyRunsOnSeveralTapes()
    {
        var a = new Tape();
        var b = new Tape();
        var fromA = a.Constant([1.0]);
        var fromB = b.Constant([2.0]);
        var concat = Assert.Throws<ArgumentException>(() => Ops.Concat([fromB, fromA]));
        Assert.Contains("Part 1 is recorded on another tape", concat.Message, StringComparison.Ordinal);
        Assert.Contains("one tape per chain or thread", concat.Message, StringComparison.Ordinal);
        var add = Assert.Throws<ArgumentException>(() => fromA + fromB);
        Assert.Contains("do not keep Vars in fields or arrays shared between evaluations", add.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void StaleVar_SaysWhereItCameFrom()
    {
        var tape = new Tape();
        var kept = tape.Constant(1.0);
        tape.Reset();
        var error = Assert.Throws<ArgumentException>(() => Ops.Exp(kept));
        Assert.Contains("kept from an earlier evaluation", error.Message, StringComparison.Ordinal);
    }
}
