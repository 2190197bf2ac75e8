using System.Numerics.Tensors;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>The same elements under another shape of equal length (no copy).</summary>
    public static Var Reshape(Var x, Shape shape)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        if (tape.IsBatched(xi))
        {
            // the batch axis stays in front: the model's [n] of scalars reshaped to [r, c] is [batch, r, c]
            var sx = tape.Node(xi).Shape;
            var inner = Batching.Inner(sx);
            if (inner.Length != shape.Length)
            {
                throw new ArgumentException($"Cannot reshape {inner} ({inner.Length} elements) to {shape}.", nameof(shape));
            }

            return tape.Wrap(View(tape, xi, Batching.WithBatch(sx[0], shape)));
        }

        if (tape.Node(xi).Shape.Length != shape.Length)
        {
            throw new ArgumentException($"Cannot reshape {tape.Node(xi).Shape} ({tape.Node(xi).Shape.Length} elements) to {shape}.", nameof(shape));
        }

        return tape.Wrap(tape.PushAlias(ReshapeOp.Instance, shape, xi));
    }

    /// <summary>An alias of node <paramref name="xi"/> under <paramref name="shape"/> (same length), keeping its batch flag.</summary>
    internal static int View(Tape tape, int xi, Shape shape) => tape.PushAlias(ReshapeOp.Instance, shape, xi);

    private sealed class ReshapeOp : TapeOp, IBatchAware, IReplayable
    {
        public static readonly ReshapeOp Instance = new();

        // the value is the input's own buffer: nothing to recompute
        public override void Replay(Tape tape, int id, ref NodeRecord node)
        {
        }

        public override void Backward(Tape tape, int id, in NodeRecord node)
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
