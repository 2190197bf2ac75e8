using System.Numerics.Tensors;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Σ aᵢbᵢ over all elements of two tensors of the same shape (a scalar).</summary>
    public static Var Dot(Var a, Var b)
    {
        var tape = TapeOf(a, b, nameof(a), nameof(b));
        int ai = tape.Check(a), bi = tape.Check(b);
        if (tape.HasBatched && (tape.IsBatched(ai) || tape.IsBatched(bi)))
        {
            // one dot product per point
            return tape.IsBatched(ai) && !tape.IsBatched(bi) && tape.Node(bi).Shape.Rank == 1 && tape.Node(ai).Shape.Rank == 2
                ? MatMul(a, b)
                : tape.IsBatched(bi) && !tape.IsBatched(ai) && tape.Node(ai).Shape.Rank == 1 && tape.Node(bi).Shape.Rank == 2
                    ? MatMul(b, a)
                    : Sum(a * b);
        }

        if (tape.Node(ai).Shape != tape.Node(bi).Shape)
        {
            throw new ArgumentException($"Dot needs equal shapes; got {tape.Node(ai).Shape} and {tape.Node(bi).Shape}.", nameof(b));
        }

        int id = tape.Push(DotOp.Instance, Shape.Scalar, ai, bi);
        tape.V(id)[0] = TensorPrimitives.Dot(tape.V(ai), tape.V(bi));
        return tape.Wrap(id);
    }

    private sealed class DotOp : TapeOp, IReplayable
    {
        public static readonly DotOp Instance = new();

        public override void Replay(Tape tape, int id, ref NodeRecord node) => tape.V(id)[0] = TensorPrimitives.Dot(tape.V(node.In0), tape.V(node.In1));

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double g = tape.G(id)![0];
            double[]? ga = tape.G(node.In0), gb = tape.G(node.In1);
            if (ga is not null)
            {
                TensorPrimitives.MultiplyAdd(tape.V(node.In1), g, ga, ga);
            }

            if (gb is not null)
            {
                TensorPrimitives.MultiplyAdd(tape.V(node.In0), g, gb, gb);
            }
        }
    }
}
