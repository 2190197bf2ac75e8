using System.Runtime.CompilerServices;
using System.Numerics.Tensors;

namespace Inference.Autodiff;

/// <summary>
/// Differentiable tensor operations. Each op lives in its own file (<c>Ops.Name.cs</c>) with the
/// public method and its vector-Jacobian product. Binary elementwise ops broadcast NumPy-style.
/// </summary>
public static partial class Ops
{
    internal static Tape TapeOf(Var x, string paramName) =>
        x.Tape ?? throw new ArgumentException("The Var is default (not created by a tape).", paramName);

    internal static Tape TapeOf(Var a, Var b, string nameA, string nameB)
    {
        var tape = TapeOf(a, nameA);
        if (!ReferenceEquals(tape, TapeOf(b, nameB)))
        {
            throw new ArgumentException($"'{nameA}' and '{nameB}' are recorded on different tapes. {Tape.OtherTapeHint}", nameB);
        }

        return tape;
    }

    /// <summary>Records an elementwise unary op with scalar attributes <paramref name="s0"/>, <paramref name="s1"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static Var Unary(UnaryOp op, Var x, string paramName, double s0 = 0, double s1 = 0)
    {
        var tape = TapeOf(x, paramName);
        int xi = tape.Check(x);
        int id = tape.Push(op, tape.Node(xi).Shape, xi);
        ref NodeRecord n = ref tape.Node(id);
        n.S0 = s0;
        n.S1 = s1;
        op.Forward(tape, tape.V(xi), tape.V(id), in n);
        return tape.Wrap(id);
    }
}

/// <summary>Base of elementwise unary ops: forward, plus the derivative dy/dx for the backward pass.</summary>
internal abstract class UnaryOp : TapeOp, IBatchAware, IReplayable
{
    public abstract void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node);

    // every unary node is recorded by Ops.Unary: its attributes, then Forward
    public sealed override void Replay(Tape tape, int id, ref NodeRecord node) => Forward(tape, tape.V(node.In0), tape.V(id), in node);

    /// <summary>Writes dy/dx elementwise into <paramref name="d"/>.</summary>
    protected abstract void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node);

    /// <summary>
    /// gx (+)= g·dy/dx in one pass, for ops whose derivative folds into the product (ReLU, a constant scale); returns
    /// false to use <see cref="Derivative"/> and a multiply instead.
    /// </summary>
    protected virtual bool BackwardFused(ReadOnlySpan<double> x, ReadOnlySpan<double> g, Span<double> gx, bool accumulate, in NodeRecord node) => false;

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(Tape tape, int id, in NodeRecord node)
    {
        double[]? gx = tape.GFresh(node.In0, out bool fresh);
        if (gx is null)
        {
            return;
        }

        var g = tape.G(id)!;
        if (BackwardFused(tape.V(node.In0), g, gx, accumulate: !fresh, in node))
        {
            return;
        }

        if (fresh)
        {
            Derivative(tape, tape.V(node.In0), tape.V(id), gx, in node);
            TensorPrimitives.Multiply(g, gx, gx);
            return;
        }

        var d = tape.Scratch(0, g.Length);
        Derivative(tape, tape.V(node.In0), tape.V(id), d, in node);
        TensorPrimitives.MultiplyAdd(g, d, gx, gx);
    }
}
