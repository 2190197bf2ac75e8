using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Σᵢ yᵢηᵢ − softplus(ηᵢ) with η = α + Xβ: the Bernoulli-logit log-likelihood of a logistic regression summed over its
    /// N rows in one node (Stan's <c>bernoulli_logit_glm</c>), for data y [N] (0 or 1) and X [N, k], α a scalar and β [k]
    /// (or a batch of points, α [n] and β [n, k]: one sum per point). η is computed a block of rows at a time and never
    /// stored, and the partials with respect to α and β are formed in the forward pass: Σ yᵢηᵢ = αΣy + (Xᵀy)·β, and
    /// ∂/∂β = Xᵀy − Xᵀσ(η).
    /// </summary>
    /// <exception cref="ArgumentException">The shapes disagree, or y or X is not data (it requires gradients).</exception>
    public static Var BernoulliLogitGlm(Var y, Var x, Var alpha, Var beta)
    {
        var tape = TapeOf(x, beta, nameof(x), nameof(beta));
        int yi = tape.Check(y), xi = tape.Check(x), ai = tape.Check(alpha), bi = tape.Check(beta);
        Shape sy = tape.Node(yi).Shape, sx = tape.Node(xi).Shape, sa = tape.Node(ai).Shape, sb = tape.Node(bi).Shape;
        if (tape.Node(yi).RequiresGrad || tape.IsBatched(yi))
        {
            throw new ArgumentException("y must be data (a constant on the tape).", nameof(y));
        }

        if (tape.Node(xi).RequiresGrad || tape.IsBatched(xi))
        {
            throw new ArgumentException("X must be data (a constant on the tape).", nameof(x));
        }

        if (sx.Rank != 2 || sy != Shape.Vector(sx[0]))
        {
            throw new ArgumentException($"Need y [N] and X [N, k]; got {sy} and {sx}.", nameof(x));
        }

        bool batchedBeta = tape.IsBatched(bi), batchedAlpha = tape.IsBatched(ai);
        int k = sx[1];
        int points = batchedBeta ? sb[0] : 1;
        if ((batchedBeta ? sb != Shape.Matrix(points, k) : sb != Shape.Vector(k)) || (batchedAlpha && !batchedBeta))
        {
            throw new ArgumentException($"Need β [{k}] (or a batch [n, {k}] of them); got {sb}{(batchedAlpha && !batchedBeta ? " with a batched α" : "")}.", nameof(beta));
        }

        if (batchedAlpha ? sa != Shape.Vector(points) : sa.Length != 1)
        {
            throw new ArgumentException($"Need a scalar α (or one per point of the batch); got {sa}.", nameof(alpha));
        }

        // the partials [k + 1, points] live in a leaf of their own, reused by the tape like any value buffer
        int pi = tape.Push(null, Shape.Vector((k + 1) * points), -1, -1, -1, false);
        int id = tape.Push(BernoulliLogitGlmOp.Instance, batchedBeta ? Shape.Vector(points) : Shape.Scalar, ai, bi, pi);
        ref NodeRecord n = ref tape.Node(id);
        n.I0 = yi;
        n.I1 = xi;
        BernoulliLogitGlmOp.Forward(tape, tape.V(yi), tape.V(xi), tape.V(ai), tape.V(bi), tape.V(pi), tape.V(id), sx[0], k, points, batchedAlpha);
        return tape.Wrap(id);
    }

    private sealed class BernoulliLogitGlmOp : TapeOp, IBatchAware
    {
        public static readonly BernoulliLogitGlmOp Instance = new();

        // a block of rows × points of η: 4096 values (32 KB), in the L1/L2 caches
        private const int BlockValues = 4096;

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public static void Forward(Tape tape, ReadOnlySpan<double> y, ReadOnlySpan<double> x, ReadOnlySpan<double> alpha, ReadOnlySpan<double> beta, Span<double> partials, Span<double> lp, int rows, int k, int points, bool batchedAlpha)
        {
            int block = Math.Clamp(BlockValues / points, 8, Math.Max(8, rows));
            var eta = tape.Scratch(0, block * points);
            // βᵀ [k, points], then Xᵀy [k], the softplus sums [points]
            var small = tape.Scratch(2, (k * points) + k + points);
            var betaT = small[..(k * points)];
            var xty = small.Slice(k * points, k);
            var softplusSum = small.Slice((k * points) + k, points);
            softplusSum.Clear();
            if (points == 1)
            {
                beta.CopyTo(betaT);
            }
            else
            {
                MatMulKernel.Transpose(beta, betaT, points, k);
            }

            xty.Clear();
            MatMulKernel.GemvTransposedAccumulate(x, y, xty, rows, k);
            double sumY = TensorPrimitives.Sum(y);

            // Q = Σ_blocks X_blockᵀ σ(η_block) [k, points], and Σ σ(η) [points], accumulated in the partials
            var q = partials[..(k * points)];
            var sigmaSum = partials.Slice(k * points, points);
            q.Clear();
            sigmaSum.Clear();
            for (int r0 = 0; r0 < rows; r0 += block)
            {
                int r = Math.Min(block, rows - r0);
                var xb = x.Slice(r0 * k, r * k);
                var e = eta[..(r * points)];
                if (points == 1)
                {
                    MatMulKernel.Gemv(xb, beta, e, r, k, accumulate: false);
                }
                else
                {
                    MatMulKernel.Gemm(xb, k, 1, betaT, e, r, k, points, accumulate: false);
                }

                // η = Xβ + α, softplus(η) summed per point, and e becomes σ(η), summed per point: one pass
                Elementwise.SoftplusSigmoidRows(e, alpha, r, points, softplusSum, sigmaSum);
                // Xᵀσ
                if (points == 1)
                {
                    MatMulKernel.GemvTransposedAccumulate(xb, e, q, r, k);
                }
                else
                {
                    // Q [k, points] += X_blockᵀ [k, r] · σ [r, points] (X_block read transposed through its strides)
                    MatMulKernel.Gemm(xb, 1, k, e, q, k, r, points, accumulate: true);
                }
            }

            for (int b = 0; b < points; b++)
            {
                double a = batchedAlpha ? alpha[b] : alpha[0];
                double yEta = a * sumY;
                for (int j = 0; j < k; j++)
                {
                    yEta += xty[j] * betaT[(j * points) + b];
                }

                lp[b] = yEta - softplusSum[b];
            }

            // the partials: ∂/∂β = Xᵀy − Q, ∂/∂α = Σy − Σσ
            for (int j = 0; j < k; j++)
            {
                var row = q.Slice(j * points, points);
                TensorPrimitives.Subtract(xty[j], row, row);
            }

            TensorPrimitives.Subtract(sumY, sigmaSum, sigmaSum);
        }

        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            ReadOnlySpan<double> g = tape.G(id)!;
            ReadOnlySpan<double> partials = tape.V(node.In2);
            int points = g.Length;
            int k = (partials.Length / points) - 1;
            double[]? ga = tape.G(node.In0), gb = tape.G(node.In1);
            if (ga is not null)
            {
                var dAlpha = partials.Slice(k * points, points);
                if (ga.Length == points && points > 1)
                {
                    TensorPrimitives.MultiplyAdd(dAlpha, g, ga, ga);
                }
                else
                {
                    ga[0] += TensorPrimitives.Dot(dAlpha, g);
                }
            }

            if (gb is not null)
            {
                for (int j = 0; j < k; j++)
                {
                    var dBeta = partials.Slice(j * points, points);
                    for (int b = 0; b < points; b++)
                    {
                        gb[(b * k) + j] += g[b] * dBeta[b];
                    }
                }
            }
        }
    }
}
