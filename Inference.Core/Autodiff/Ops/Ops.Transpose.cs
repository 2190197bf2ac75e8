using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>Swaps the last two axes of a matrix or of each matrix in a rank-3 batch.</summary>
    public static Var Transpose(Var x)
    {
        var tape = TapeOf(x, nameof(x));
        int xi = tape.Check(x);
        var sx = tape.Node(xi).Shape;
        if (sx.Rank < 2)
        {
            throw new ArgumentException($"Transpose needs rank 2 or 3; got shape {sx}.", nameof(x));
        }

        var (b, m, n) = sx.Padded;
        var sy = sx.Rank == 2 ? Shape.Matrix(n, m) : Shape.Of(b, n, m);
        int id = tape.Push(TransposeOp.Instance, sy, xi);
        ReadOnlySpan<double> xv = tape.V(xi);
        Span<double> y = tape.V(id);
        for (int i = 0; i < b; i++)
        {
            MatMulKernel.Transpose(xv.Slice(i * m * n, m * n), y.Slice(i * m * n, m * n), m, n);
        }

        return tape.Wrap(id);
    }

    private sealed class TransposeOp : TapeOp
    {
        public static readonly TransposeOp Instance = new();

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gx = tape.G(node.In0);
            if (gx is null)
            {
                return;
            }

            ReadOnlySpan<double> g = tape.G(id)!;
            var (b, n, m) = node.Shape.Padded;
            var t = tape.Scratch(0, m * n);
            for (int i = 0; i < b; i++)
            {
                MatMulKernel.Transpose(g.Slice(i * m * n, m * n), t, n, m);
                var dst = gx.AsSpan(i * m * n, m * n);
                TensorPrimitives.Add(dst, t, dst);
            }
        }
    }
}
