namespace Inference.Autodiff;

/// <summary>
/// Evaluates a scalar function of a flat vector and its gradient, reusing one tape: after the first
/// call with a given graph, evaluation allocates nothing. Not thread-safe: create one per thread or chain.
/// </summary>
/// <remarks>
/// When the function records only ops that can be replayed and reads no value through <see cref="Var.Value"/> to choose
/// what to record, its graph is recorded once and replayed at each new point (the same arithmetic, the same bits; the
/// first replays are compared with recording afresh). Pass <c>replay: false</c> for a function whose operations depend on
/// state outside it that changes between calls, or whose side effects must happen at every call.
/// </remarks>
public sealed class GradientEvaluator : IGradientRecorder
{
    private readonly Func<Var, Var> _function;
    private readonly Tape _tape = new();
    private readonly GraphReplay _replay;
    private readonly ReplayStop _replayStop;

    /// <summary>Creates an evaluator of <paramref name="function"/> on vectors of length <paramref name="dimension"/>.</summary>
    /// <param name="function">The scalar function.</param>
    /// <param name="dimension">The length of its input.</param>
    /// <param name="replay">Whether gradients may replay the recorded graph (see the remarks).</param>
    public GradientEvaluator(Func<Var, Var> function, int dimension, bool replay = true)
        : this(function, dimension, replay, NewReplayStop())
    {
    }

    // replayStop: shared by the evaluators of one function (LogDensity.FromTape), so that one's disagreement stops all
    internal GradientEvaluator(Func<Var, Var> function, int dimension, bool replay, ReplayStop replayStop)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentOutOfRangeException.ThrowIfNegative(dimension);
        _function = function;
        Dimension = dimension;
        _replayStop = replayStop;
        _replay = new GraphReplay(_tape, dimension, replay, replayStop);
    }

    internal static ReplayStop NewReplayStop() => new("Gradients record the function");

    /// <summary>Null unless a replay of the recorded graph disagreed with recording it afresh; then why (replays stopped).</summary>
    public string? ReplayFallbackReason => _replayStop.Reason;

    internal bool LastGradientReplayed => _replay.LastReplayed;

    /// <summary>The length of the input vector.</summary>
    public int Dimension { get; }

    /// <summary>The tape used for evaluation (to inspect the last graph).</summary>
    public Tape Tape => _tape;

    /// <summary>The function value at <paramref name="x"/>, without recording gradients.</summary>
    public double Value(ReadOnlySpan<double> x)
    {
        CheckInput(x);
        using var session = _tape.Begin();
        using var scope = _tape.NoGrad();
        return Scalar(_function(_tape.Constant(x)));
    }

    /// <summary>The function value at <paramref name="x"/>; its gradient is written to <paramref name="gradient"/>.</summary>
    public double ValueAndGradient(ReadOnlySpan<double> x, Span<double> gradient)
    {
        CheckInput(x);
        if (gradient.Length != Dimension)
        {
            throw new ArgumentException($"The gradient buffer has {gradient.Length} elements; the dimension is {Dimension}.", nameof(gradient));
        }

        return _replay.Evaluate(this, x, gradient);
    }

    double IGradientRecorder.Record(ReadOnlySpan<double> x, Span<double> gradient)
    {
        using var session = _tape.Begin();
        _replay.BeginRecording();
        var input = _tape.Variable(x);
        var y = _function(input);
        _replay.EndRecording(input, y);
        double value = Scalar(y);
        _tape.Backward(y);
        if (y.RequiresGrad)
        {
            input.Grad.CopyTo(gradient);
        }
        else
        {
            gradient.Clear();
        }

        return value;
    }

    private void CheckInput(ReadOnlySpan<double> x)
    {
        if (x.Length != Dimension)
        {
            throw new ArgumentException($"The input has {x.Length} elements; the dimension is {Dimension}.", nameof(x));
        }
    }

    private static double Scalar(Var y)
    {
        var v = y.Value;
        return v.Length == 1 ? v[0] : throw new InvalidOperationException($"The function must return a single element; it returned shape {y.Shape}.");
    }
}

/// <summary>One-call differentiation of scalar functions, reusing one tape per thread.</summary>
public static class Differentiation
{
    [ThreadStatic]
    private static Tape? t_tape;

    /// <summary>Returns f(x) and writes ∇f(x) to <paramref name="gradient"/>.</summary>
    public static double ValueAndGradient(Func<Var, Var> function, ReadOnlySpan<double> x, Span<double> gradient)
    {
        ArgumentNullException.ThrowIfNull(function);
        if (gradient.Length != x.Length)
        {
            throw new ArgumentException($"The gradient buffer has {gradient.Length} elements; x has {x.Length}.", nameof(gradient));
        }

        var tape = t_tape ??= new Tape();
        tape.Reset();
        var input = tape.Variable(x);
        var y = function(input);
        if (y.Value.Length != 1)
        {
            throw new InvalidOperationException($"The function must return a single element; it returned shape {y.Shape}.");
        }

        double value = y.Value[0];
        tape.Backward(y);
        if (y.RequiresGrad)
        {
            input.Grad.CopyTo(gradient);
        }
        else
        {
            gradient.Clear();
        }

        return value;
    }

    /// <summary>∇f(x) as a new array.</summary>
    public static double[] Gradient(Func<Var, Var> function, ReadOnlySpan<double> x)
    {
        var g = new double[x.Length];
        ValueAndGradient(function, x, g);
        return g;
    }
}
