using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>a + b, elementwise with broadcasting.</summary>
    public static Var Add(Var a, Var b) => BinaryOp.Record(AddOp.Instance, BinaryKind.Add, a, b);

    /// <summary>x + c.</summary>
    public static Var Add(Var x, double c) => Unary(AddScalarOp.Instance, x, nameof(x), c);

    private sealed class AddOp : BinaryOp
    {
        public static readonly AddOp Instance = new();

        protected override void Backward(Tape tape, int id, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, double[]? gb)
        {
            if (ga is not null)
            {
                Broadcasting.AccumulateReduced(g, node.Shape, ga, tape.Node(node.In0).Shape);
            }

            if (gb is not null)
            {
                Broadcasting.AccumulateReduced(g, node.Shape, gb, tape.Node(node.In1).Shape);
            }
        }
    }

    private sealed class AddScalarOp : UnaryOp
    {
        public static readonly AddScalarOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node) =>
            System.Numerics.Tensors.TensorPrimitives.Add(x, node.S0, y);

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node) => d.Fill(1);
    }
}

/// <summary>Base of broadcasting binary ops: records the node and hands both input gradients to the op.</summary>
internal abstract class BinaryOp : IOp
{
    public static Var Record(BinaryOp op, BinaryKind kind, Var a, Var b)
    {
        var tape = Ops.TapeOf(a, b, nameof(a), nameof(b));
        int ai = tape.Check(a), bi = tape.Check(b);
        Shape sa = tape.Node(ai).Shape, sb = tape.Node(bi).Shape;
        var shape = Broadcasting.ResultShape(sa, sb, nameof(b));
        int id = tape.Push(op, shape, ai, bi);
        Broadcasting.Binary(kind, tape.V(ai), sa, tape.V(bi), sb, tape.V(id), shape);
        return tape.Wrap(id);
    }

    public void Backward(Tape tape, int id, in NodeRecord node) =>
        Backward(tape, id, tape.G(id)!, in node, tape.G(node.In0), tape.G(node.In1));

    protected abstract void Backward(Tape tape, int id, ReadOnlySpan<double> g, in NodeRecord node, double[]? ga, double[]? gb);

    /// <summary>grad_x += reduce(g ∘ other) where other is broadcast to the output shape.</summary>
    protected static void AccumulateProduct(Tape tape, BinaryKind kind, ReadOnlySpan<double> g, Shape sy, ReadOnlySpan<double> other, Shape sOther, Span<double> grad, Shape sGrad)
    {
        var c = tape.Scratch(1, g.Length);
        Broadcasting.Binary(kind, g, sy, other, sOther, c, sy);
        Broadcasting.AccumulateReduced(c, sy, grad, sGrad);
    }
}
