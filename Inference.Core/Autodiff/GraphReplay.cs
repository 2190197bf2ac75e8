using System.Runtime.CompilerServices;

namespace Inference.Autodiff;

/// <summary>Records a gradient evaluation afresh on a tape (the evaluator's own code: run the function or model body).</summary>
internal interface IGradientRecorder
{
    /// <summary>Resets the tape, records the log-density at <paramref name="x"/>, writes its gradient and returns its value.</summary>
    double Record(ReadOnlySpan<double> x, Span<double> gradient);
}

/// <summary>
/// Whether replays may still be used by the evaluators of one model or function: once one of them finds a replay
/// disagreeing with recording afresh, every one records from then on, and the reason is said once.
/// </summary>
/// <param name="owner">Who records at every evaluation from then on, for the message ("Model 'm': gradients run the body").</param>
internal sealed class ReplayStop(string owner)
{
    private string? _reason;

    /// <summary>Null while replays may be used; otherwise why they stopped.</summary>
    public string? Reason => Volatile.Read(ref _reason);

    /// <summary>Stops replays for every evaluator sharing this; the first reason wins and is written to the error stream.</summary>
    public void Stop(string reason)
    {
        if (Interlocked.CompareExchange(ref _reason, reason, null) is null)
        {
            Console.Error.WriteLine($"{owner} at every evaluation: {reason}");
        }
    }
}

/// <summary>
/// Replays a gradient evaluation's recorded graph at new positions instead of recording it again: when the recording code
/// recorded only ops that replay (<see cref="IReplayable"/>), read no value through the public accessors, and left only
/// checkable guards, its graph is kept and each later evaluation writes the new position into the position leaf, recomputes
/// the nodes in order and runs the backward pass: the same arithmetic, so the same bits, without the recording code and the
/// tape's per-node bookkeeping. The first <see cref="Checks"/> replays are compared to the bit with recording afresh; a
/// difference (code that reads state outside the tape which changed between evaluations) ends replays for every evaluator
/// sharing <paramref name="stop"/>.
/// </summary>
internal sealed class GraphReplay(Tape tape, int dimension, bool enabled, ReplayStop stop)
{
    /// <summary>How many replays are compared with recording afresh before replays are trusted.</summary>
    internal const int Checks = 3;

    private readonly double[] _check = new double[dimension];
    private int _nodes;          // nodes of the graph being replayed; 0 when there is none
    private int _generation;     // the tape's generation when it was recorded (any other use of the tape resets it)
    private int _position;       // its position leaf
    private int _output;         // its log-density node
    private int _checks;         // replays compared with a fresh recording so far
    private long _reads;

    /// <summary>Whether the last evaluation was a replay rather than a recording.</summary>
    public bool LastReplayed { get; private set; }

    /// <summary>The value and gradient at <paramref name="x"/>: replayed when a graph is kept, else recorded by <paramref name="recorder"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Evaluate(IGradientRecorder recorder, ReadOnlySpan<double> x, Span<double> gradient)
    {
        if (_nodes > 0 && tape.Generation == _generation && stop.Reason is null)
        {
            if (_checks >= Checks)
            {
                if (TryReplay(x, gradient, out double replayed))
                {
                    return replayed;
                }
            }
            else
            {
                return CheckedReplay(recorder, x, gradient);
            }
        }

        LastReplayed = false;
        return recorder.Record(x, gradient);
    }

    /// <summary>Call after resetting the tape and before recording (counts the public value reads from here).</summary>
    public void BeginRecording() => _reads = tape.ValueReads;

    /// <summary>
    /// Call after recording (before the backward pass): keeps the graph for replays when it can be replayed and
    /// <paramref name="allowed"/>.
    /// </summary>
    public void EndRecording(Var position, Var output, bool allowed = true)
    {
        bool replayable = enabled && allowed && stop.Reason is null && tape.CanReplay && tape.ValueReads == _reads;
        _position = tape.Check(position);
        _output = tape.Check(output);
        _generation = tape.Generation;
        _nodes = replayable && tape.Node(_output).Shape.Length == 1 ? tape.Count : 0;
    }

    // the recorded graph at x: false when a guard of the recording fails (a value left a support the recording assumed)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private bool TryReplay(ReadOnlySpan<double> x, Span<double> gradient, out double value)
    {
        using var session = tape.Claim();
        x.CopyTo(tape.V(_position));
        if (!tape.Replay(_nodes))
        {
            value = 0;
            return false;
        }

        LastReplayed = true;
        int output = _output;
        tape.BackwardFrom(output);
        if (tape.Node(output).RequiresGrad)
        {
            tape.GradOf(_position).CopyTo(gradient);
        }
        else
        {
            gradient.Clear();
        }

        value = tape.V(output)[0];
        return true;
    }

    private double CheckedReplay(IGradientRecorder recorder, ReadOnlySpan<double> x, Span<double> gradient)
    {
        if (!TryReplay(x, gradient, out double replayed))
        {
            LastReplayed = false;
            return recorder.Record(x, gradient);
        }

        gradient.CopyTo(_check);
        LastReplayed = false;
        double recorded = recorder.Record(x, gradient);
        string? failure = !replayed.Equals(recorded)
            ? FormattableString.Invariant($"a replay of the recorded graph gave the log-density {replayed} where recording it afresh gave {recorded}.")
            : null;
        for (int i = 0; failure is null && i < gradient.Length; i++)
        {
            if (!gradient[i].Equals(_check[i]))
            {
                failure = FormattableString.Invariant($"a replay of the recorded graph gave the gradient {_check[i]} where recording it afresh gave {gradient[i]} at entry {i}.");
            }
        }

        if (failure is not null)
        {
            stop.Stop(failure);
        }
        else
        {
            _checks++;
        }

        return recorded;
    }
}
