using System.Numerics.Tensors;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// The fused affine map y = x·Wᵀ + b for x [m, k], W [n, k] and b [n]: a dense layer with its weight laid out
    /// [out, in], as TorchSharp's and PyTorch's <c>linear</c> take it. One node instead of a product and a broadcast
    /// sum, so neither the forward pass nor the backward pass copies the [m, n] block.
    /// </summary>
    public static Var Linear(Var x, Var weight, Var bias) => LinearCore(x, weight, bias, LinearOp.Instance);

    /// <summary>
    /// max(x·Wᵀ + b, 0): a dense layer and its ReLU in one node. The ReLU is applied in place and its backward pass
    /// masks the output gradient by y &gt; 0 (the same as x·W + b &gt; 0), so the layer keeps no pre-activation
    /// buffer and records no second node; the values and gradients are those of <c>Relu(Linear(x, W, b))</c> to the bit.
    /// </summary>
    public static Var LinearRelu(Var x, Var weight, Var bias) => LinearCore(x, weight, bias, LinearOp.WithRelu);

    private static Var LinearCore(Var x, Var weight, Var bias, LinearOp op)
    {
        var tape = TapeOf(x, weight, nameof(x), nameof(weight));
        int xi = tape.Check(x), wi = tape.Check(weight), bi = tape.Check(bias);
        Shape sx = tape.Node(xi).Shape, sw = tape.Node(wi).Shape, sb = tape.Node(bi).Shape;
        if (tape.IsBatched(wi) || tape.IsBatched(bi))
        {
            throw new BatchNotSupportedException("Linear with a batched weight or bias cannot take a batch of points in one pass.");
        }

        if (sx.Rank != 2 || sw.Rank != 2 || sx[1] != sw[1])
        {
            throw new ArgumentException($"Linear needs x [m, k] and W [n, k] (out, in); got {sx} and {sw}.", nameof(weight));
        }

        if (sb.Rank != 1 || sb[0] != sw[0])
        {
            throw new ArgumentException($"Linear needs b [{sw[0]}]; got {sb}.", nameof(bias));
        }

        int m = sx[0], k = sx[1], n = sw[0];
        int id = tape.Push(op, Shape.Matrix(m, n), xi, wi, bi);
        Span<double> y = tape.V(id);
        // every row starts as b
        ReadOnlySpan<double> b = tape.V(bi);
        for (int i = 0; i < m; i++)
        {
            b.CopyTo(y.Slice(i * n, n));
        }

        if (m < LinearOp.SmallBatch)
        {
            // a few rows: dot products of rows of x and rows of W, no transpose
            MatMulKernel.GemmTransposedB(tape.V(xi), tape.V(wi), y, m, k, n, accumulate: true);
        }
        else
        {
            // Wᵀ [k, n] materialized once (W is the small operand)
            var wt = tape.Scratch(0, k * n);
            MatMulKernel.Transpose(tape.V(wi), wt, n, k);
            MatMulKernel.Gemm(tape.V(xi), k, 1, wt, y, m, k, n, accumulate: true);
        }

        if (op.Relu)
        {
            TensorPrimitives.Max(y, 0.0, y);
        }

        return tape.Wrap(id);
    }

    private sealed class LinearOp : TapeOp, IBatchAware
    {
        // below this many rows the forward pass skips transposing W
        internal const int SmallBatch = 16;

        public static readonly LinearOp Instance = new(relu: false);
        public static readonly LinearOp WithRelu = new(relu: true);

        private LinearOp(bool relu) => Relu = relu;

        public bool Relu { get; }

        public override void Backward(Tape tape, int id, in NodeRecord node)
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
                // dx = g·W, W [n, k] as stored
                MatMulKernel.Gemm(g, n, 1, tape.V(node.In1), gx, m, n, k, accumulate: !freshX);
            }

            if (gw is not null)
            {
                // dW = gᵀ·x [n, k], reading g transposed through its strides
                MatMulKernel.Gemm(g, 1, n, tape.V(node.In0), gw, n, m, k, accumulate: !freshW);
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
