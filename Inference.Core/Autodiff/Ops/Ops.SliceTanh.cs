using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// tanh of columns [<paramref name="start"/>, <paramref name="start"/> + <paramref name="count"/>) of a batch
    /// x [b, w]: a slice and a tanh in one node ([b, count]), whose backward pass needs only the output. A coupling
    /// layer's bounded log-scales take it from the front of its network's output without copying the rest.
    /// </summary>
    public static Var SliceTanh(Var x, int start, int count)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        if (sx.Rank != 2)
        {
            throw new ArgumentException($"SliceTanh needs a batch [b, w]; got shape {sx}.", nameof(x));
        }

        if (count <= 0 || start < 0 || start + count > sx[1])
        {
            throw new ArgumentOutOfRangeException(nameof(start), $"Columns [{start}, {start + count}) do not lie in a row of width {sx[1]}.");
        }

        int rows = sx[0], w = sx[1];
        int id = tape.Push(SliceTanhOp.Instance, Shape.Matrix(rows, count), xi);
        tape.Node(id).I0 = start;
        ReadOnlySpan<double> xv = tape.V(xi);
        Span<double> y = tape.V(id);
        for (int r = 0; r < rows; r++)
        {
            xv.Slice((r * w) + start, count).CopyTo(y.Slice(r * count, count));
        }

        TensorPrimitives.Tanh(y, y);
        return tape.Wrap(id);
    }

    private sealed class SliceTanhOp : TapeOp
    {
        public static readonly SliceTanhOp Instance = new();

        // x̄[:, start:start+n] += ȳ ⊙ (1 − y²)
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.G(node.In0);
            if (gx is null)
            {
                return;
            }

            int n = node.Shape[1], w = tape.Node(node.In0).Shape[1], start = node.I0;
            ReadOnlySpan<double> y = tape.V(id), g = tape.G(id);
            for (int r = 0; r < node.Shape[0]; r++)
            {
                RowMath.AddOneMinusSquareTimes(y.Slice(r * n, n), g.Slice(r * n, n), gx.AsSpan((r * w) + start, n));
            }
        }
    }
}
