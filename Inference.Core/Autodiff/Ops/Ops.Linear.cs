using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// The fused affine map y = x·W + b for x [m, k], W [k, n] and b [n] (a dense layer): one node instead of a
    /// product and a broadcast sum, so neither the forward pass nor the backward pass copies the [m, n] block.
    /// </summary>
    public static Var Linear(Var x, Var weight, Var bias) => LinearCore(x, weight, bias, LinearOp.Instance);

    /// <summary>
    /// max(x·W + b, 0): a dense layer and its ReLU in one node. The ReLU is applied in place and its backward pass
    /// masks the output gradient by y &gt; 0 (the same as x·W + b &gt; 0), so the layer keeps no pre-activation
    /// buffer and records no second node; the values and gradients are those of <c>Relu(Linear(x, W, b))</c> to the bit.
    /// </summary>
    public static Var LinearRelu(Var x, Var weight, Var bias) => LinearCore(x, weight, bias, LinearOp.WithRelu);

    private static Var LinearCore(Var x, Var weight, Var bias, LinearOp op)
    {
        var tape = TapeOf(x, weight, nameof(x), nameof(weight));
        int xi = tape.Check(x), wi = tape.Check(weight), bi = tape.Check(bias);
        Shape sx = tape.Node(xi).Shape, sw = tape.Node(wi).Shape, sb = tape.Node(bi).Shape;
        if (sx.Rank != 2 || sw.Rank != 2 || sx[1] != sw[0])
        {
            throw new ArgumentException($"Linear needs x [m, k] and W [k, n]; got {sx} and {sw}.", nameof(weight));
        }

        if (sb.Rank != 1 || sb[0] != sw[1])
        {
            throw new ArgumentException($"Linear needs b [{sw[1]}]; got {sb}.", nameof(bias));
        }

        int m = sx[0], k = sx[1], n = sw[1];
        int id = tape.Push(op, Shape.Matrix(m, n), xi, wi, bi);
        Span<double> y = tape.V(id);
        // every row starts as b
        ReadOnlySpan<double> b = tape.V(bi);
        for (int i = 0; i < m; i++)
        {
            b.CopyTo(y.Slice(i * n, n));
        }

        MatMulKernel.Gemm(tape.V(xi), k, 1, tape.V(wi), y, m, k, n, accumulate: true);
        if (op.Relu)
        {
            TensorPrimitives.Max(y, 0.0, y);
        }

        return tape.Wrap(id);
    }

    private sealed class LinearOp : IOp
    {
        // below this many rows the input gradient skips transposing W
        private const int SmallBatch = 16;

        public static readonly LinearOp Instance = new(relu: false);
        public static readonly LinearOp WithRelu = new(relu: true);

        private LinearOp(bool relu) => Relu = relu;

        public bool Relu { get; }

        public void Backward(Tape tape, int id, in NodeRecord node)
        {
            Shape sx = tape.Node(node.In0).Shape;
            int m = sx[0], k = sx[1], n = node.Shape[1];
            ReadOnlySpan<double> g = tape.G(id)!;
            if (Relu)
            {
                // the gradient of the pre-activation: the output gradient where the output is positive
                var masked = tape.Scratch(1, m * n);
                Elementwise.ReluBackward(tape.V(id), g, masked, accumulate: false);
                g = masked;
            }

            double[]? gx = tape.GFresh(node.In0, out bool freshX);
            double[]? gw = tape.GFresh(node.In1, out bool freshW);
            double[]? gb = tape.GFresh(node.In2, out bool freshB);
            if (gx is not null)
            {
                if (m < SmallBatch)
                {
                    // dx = g·Wᵀ as dot products of rows of g and rows of W: no transpose for a few rows
                    MatMulKernel.GemmTransposedB(g, tape.V(node.In1), gx, m, n, k, accumulate: !freshX);
                }
                else
                {
                    // dx = g·Wᵀ, with Wᵀ materialized once (W is the small operand)
                    var wt = tape.Scratch(0, k * n);
                    MatMulKernel.Transpose(tape.V(node.In1), wt, k, n);
                    MatMulKernel.Gemm(g, n, 1, wt, gx, m, n, k, accumulate: !freshX);
                }
            }

            if (gw is not null)
            {
                // dW = xᵀ·g, reading x transposed through its strides
                MatMulKernel.Gemm(tape.V(node.In0), 1, k, g, gw, k, m, n, accumulate: !freshW);
            }

            if (gb is not null)
            {
                var db = gb.AsSpan(0, n);
                if (freshB)
                {
                    db.Clear();
                }

                MatMulKernel.AddColumnSums(g, db, m, n);
            }
        }
    }
}
