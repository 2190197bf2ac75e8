using System.Runtime.CompilerServices;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>a + b, elementwise with broadcasting.</summary>
    public static Var Add(Var a, Var b) => BinaryOp.Record(AddOp.Instance, BinaryKind.Add, a, b);

    /// <summary>x + c.</summary>
    public static Var Add(Var x, double c) => Unary(AddScalarOp.Instance, x, nameof(x), c);

    private sealed class AddOp : BinaryOp, IFreshGradientWriter
    {
        public static readonly AddOp Instance = new();

        public void Backward(Tape tape, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, bool freshA, double[]? gb, bool freshB)
        {
            Write(g, node.Shape, ga, freshA, tape.Node(node.In0).Shape);
            Write(g, node.Shape, gb, freshB, tape.Node(node.In1).Shape);
        }

        private static void Write(ReadOnlySpan<double> g, Shape sy, double[]? grad, bool fresh, Shape sGrad)
        {
            if (grad is null)
            {
                return;
            }

            if (fresh)
            {
                g.CopyTo(grad);
            }
            else
            {
                Broadcasting.AccumulateReduced(g, sy, grad, sGrad);
            }
        }

        protected override void Backward(Tape tape, int id, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, double[]? gb) =>
            Backward(tape, g, in node, ga, false, gb, false);
    }

    private sealed class AddScalarOp : UnaryOp
    {
        public static readonly AddScalarOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node) =>
            System.Numerics.Tensors.TensorPrimitives.Add(x, node.S0, y);

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node) => d.Fill(1);
    }
}

/// <summary>
/// A binary op whose backward pass can overwrite input gradients nothing has touched yet (fresh ones are
/// offered only for inputs of the output's shape).
/// </summary>
internal interface IFreshGradientWriter
{
    void Backward(Tape tape, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, bool freshA, double[]? gb, bool freshB);
}

/// <summary>Base of broadcasting binary ops: records the node and hands both input gradients to the op.</summary>
internal abstract class BinaryOp : TapeOp, IBatchAware, IReplayable
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static Var Record(BinaryOp op, BinaryKind kind, Var a, Var b)
    {
        var tape = Ops.TapeOf(a, b, nameof(a), nameof(b));
        int ai = tape.Check(a), bi = tape.Check(b);
        Shape sa = tape.Node(ai).Shape, sb = tape.Node(bi).Shape;
        if (tape.HasBatched && (tape.IsBatched(ai) || tape.IsBatched(bi)))
        {
            Batching.Align(tape, ref ai, ref sa, ref bi, ref sb);
        }

        if (sa.Length == 1 && sa == sb && kind != BinaryKind.Pow)
        {
            // two single elements (the sums of log-density terms, a scalar parameter's arithmetic): no broadcasting
            // machinery, and the kind kept for a scalar backward pass
            int sid = tape.Push(op, sa, ai, bi);
            tape.Node(sid).I2 = (int)kind + 1;
            tape.V(sid)[0] = Scalar(kind, tape.V(ai)[0], tape.V(bi)[0]);
            return tape.Wrap(sid);
        }

        var shape = Broadcasting.ResultShape(sa, sb, nameof(b));
        int id = tape.Push(op, shape, ai, bi);
        tape.Node(id).I1 = (int)kind + 1;
        Broadcasting.Binary(kind, tape.V(ai), sa, tape.V(bi), sb, tape.V(id), shape);
        return tape.Wrap(id);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double Scalar(BinaryKind kind, double x, double y) => kind switch
    {
        BinaryKind.Add => x + y,
        BinaryKind.Subtract => x - y,
        BinaryKind.Multiply => x * y,
        _ => x / y,
    };

    // I2 holds the kind of a single-element node, I1 that of a broadcasting one (see Record)
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public sealed override void Replay(Tape tape, int id, ref NodeRecord node)
    {
        if (node.I2 != 0)
        {
            tape.V(id)[0] = Scalar((BinaryKind)(node.I2 - 1), tape.V(node.In0)[0], tape.V(node.In1)[0]);
            return;
        }

        Broadcasting.Binary((BinaryKind)(node.I1 - 1), tape.V(node.In0), tape.Node(node.In0).Shape, tape.V(node.In1), tape.Node(node.In1).Shape, tape.V(id), node.Shape);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override void Backward(Tape tape, int id, in NodeRecord node)
    {
        var g = tape.G(id)!;
        if (node.I2 != 0)
        {
            // single elements (see Record): the same derivatives as the broadcasting forms below
            double g0 = g[0], a = tape.V(node.In0)[0], b = tape.V(node.In1)[0];
            var kind = (BinaryKind)(node.I2 - 1);
            if (tape.G(node.In0) is { } ga)
            {
                ga[0] += kind switch
                {
                    BinaryKind.Add or BinaryKind.Subtract => g0,
                    BinaryKind.Multiply => g0 * b,
                    _ => g0 / b,
                };
            }

            if (tape.G(node.In1) is { } gb)
            {
                gb[0] += kind switch
                {
                    BinaryKind.Add => g0,
                    BinaryKind.Subtract => -g0,
                    BinaryKind.Multiply => g0 * a,
                    _ => -(g0 * tape.V(id)[0]) / b,
                };
            }

            return;
        }

        if (this is IFreshGradientWriter writer)
        {
            // same-shape operands: the op can overwrite an input gradient nothing has touched yet
            var sy = node.Shape;
            bool freshA = false, freshB = false;
            double[]? ga = tape.Node(node.In0).Shape == sy ? tape.GFresh(node.In0, out freshA) : tape.G(node.In0);
            double[]? gb = tape.Node(node.In1).Shape == sy ? tape.GFresh(node.In1, out freshB) : tape.G(node.In1);
            writer.Backward(tape, g, in node, ga, freshA, gb, freshB);
            return;
        }

        Backward(tape, id, g, in node, tape.G(node.In0), tape.G(node.In1));
    }

    protected abstract void Backward(Tape tape, int id, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, double[]? gb);

    /// <summary>grad_x += reduce(g ∘ other) where other is broadcast to the output shape.</summary>
    protected static void AccumulateProduct(Tape tape, BinaryKind kind, ReadOnlySpan<double> g, Shape sy, ReadOnlySpan<double> other, Shape sOther, Span<double> grad, Shape sGrad)
    {
        var c = tape.Scratch(1, g.Length);
        Broadcasting.Binary(kind, g, sy, other, sOther, c, sy);
        Broadcasting.AccumulateReduced(c, sy, grad, sGrad);
    }
}
