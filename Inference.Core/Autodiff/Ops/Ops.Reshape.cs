using System.Numerics.Tensors;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>The same elements under another shape of equal length (no copy).</summary>
    public static Var Reshape(Var x, Shape shape)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        if (tape.Node(xi).Shape.Length != shape.Length)
        {
            throw new ArgumentException($"Cannot reshape {tape.Node(xi).Shape} ({tape.Node(xi).Shape.Length} elements) to {shape}.", nameof(shape));
        }

        return tape.Wrap(tape.PushAlias(ReshapeOp.Instance, shape, xi));
    }

    private sealed class ReshapeOp : IOp
    {
        public static readonly ReshapeOp Instance = new();

        public void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.GFresh(node.In0, out bool fresh);
            if (gx is null)
            {
                return;
            }

            if (fresh)
            {
                tape.G(id)!.CopyTo(gx, 0);
            }
            else
            {
                TensorPrimitives.Add(gx, tape.G(id)!, gx);
            }
        }
    }
}
