using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using Inference.Autodiff.Kernels;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// y = x ⊙ exp(s) + θ[…, <paramref name="shiftComponent"/>] in one node, for x and s [b, D] and the parameter block
    /// θ [b, D, P] read in place (an autoregressive layer's affine map from its network's output). exp runs once
    /// forward and once backward.
    /// </summary>
    public static Var ExpAffine(Var x, Var logScale, Var parameters, int shiftComponent)
    {
        var tape = TapeOf(x, logScale, nameof(x), nameof(logScale));
        _ = TapeOf(x, parameters, nameof(x), nameof(parameters));
        int xi = tape.Check(x), si = tape.Check(logScale), pi = tape.Check(parameters);
        Shape sx = tape.Node(xi).Shape, ss = tape.Node(si).Shape, sp = tape.Node(pi).Shape;
        if (sx.Rank != 2 || ss != sx || sp.Rank != 3 || sp[0] != sx[0] || sp[1] != sx[1])
        {
            throw new ArgumentException($"ExpAffine needs x [b, D], log-scale [b, D] and parameters [b, D, P]; got {sx}, {ss} and {sp}.", nameof(parameters));
        }

        int p = sp[2];
        if (shiftComponent < 0 || shiftComponent >= p)
        {
            throw new ArgumentOutOfRangeException(nameof(shiftComponent), shiftComponent, $"The parameter block has {p} entries per coordinate.");
        }

        int id = tape.Push(ExpAffineOp.Instance, sx, xi, si, pi);
        ref NodeRecord node = ref tape.Node(id);
        node.I0 = shiftComponent;
        node.I1 = p;
        ReadOnlySpan<double> xv = tape.V(xi), theta = tape.V(pi);
        Span<double> y = tape.V(id);
        TensorPrimitives.Exp(tape.V(si), y);
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = (xv[i] * y[i]) + theta[(p * i) + shiftComponent];
        }

        return tape.Wrap(id);
    }

    private sealed class ExpAffineOp : TapeOp
    {
        public static readonly ExpAffineOp Instance = new();

        // with e = exp(s): x̄ += ȳ ⊙ e, θ̄[…, k] += ȳ, s̄ += ȳ ⊙ x ⊙ e. This node is usually the first to reach x̄, θ̄ and s̄
        // in the backward pass, so it assigns what it reaches first instead of clearing and adding.
        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            ReadOnlySpan<double> x = tape.V(node.In0), gy = tape.G(id);
            bool aliased = node.In0 == node.In1 || node.In0 == node.In2 || node.In1 == node.In2;
            bool assignX = false, assignS = false, assignTheta = false;
            Span<double> gx = aliased ? tape.G(node.In0) : tape.GFresh(node.In0, out assignX);
            Span<double> gs = aliased ? tape.G(node.In1) : tape.GFresh(node.In1, out assignS);
            Span<double> gTheta = aliased ? tape.G(node.In2) : tape.GFresh(node.In2, out assignTheta);
            int n = gy.Length, k = node.I0, p = node.I1;
            var e = tape.Scratch(0, n);
            TensorPrimitives.Exp(tape.V(node.In1), e);
            if (!gx.IsEmpty)
            {
                RowMath.MultiplyAccumulate(gy, e, gx, assignX);
            }

            if (!gTheta.IsEmpty)
            {
                if (assignTheta)
                {
                    gTheta.Clear();
                }

                for (int i = 0; i < n; i++)
                {
                    gTheta[(p * i) + k] += gy[i];
                }
            }

            if (!gs.IsEmpty)
            {
                RowMath.Multiply(e, x, e);
                RowMath.MultiplyAccumulate(gy, e, gs, assignS);
            }
        }
    }
}
