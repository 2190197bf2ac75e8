namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Elementwise log(θ·e^{λ₁} + (1 − θ)·e^{λ₂}): the log-density of a two-component mixture with weight θ ∈ [0, 1] on the
    /// component whose log-density is λ₁ (Stan's <c>log_mix(theta, lambda1, lambda2)</c>), computed stably, with a finite
    /// gradient in θ at 0 and 1. Each operand has the result's shape or is a scalar.
    /// </summary>
    public static Var LogMix(Var theta, Var lambda1, Var lambda2)
    {
        var tape = TapeOf(theta, lambda1, nameof(theta), nameof(lambda1));
        TapeOf(theta, lambda2, nameof(theta), nameof(lambda2));
        int ti = tape.Check(theta), ai = tape.Check(lambda1), bi = tape.Check(lambda2);
        var shape = ElementwiseOrScalarShape(tape, ti, ai, bi, nameof(lambda2));
        int id = tape.Push(LogMixOp.Instance, shape, ti, ai, bi);
        ReadOnlySpan<double> t = tape.V(ti), a = tape.V(ai), b = tape.V(bi);
        Span<double> y = tape.V(id);
        for (int i = 0; i < y.Length; i++)
        {
            double th = At(t, i);
            // log θ + λ₁ and log(1 − θ) + λ₂; θ outside [0, 1] gives NaN, which a sampler rejects
            y[i] = LogAddExp(Math.Log(th) + At(a, i), MathNet.Numerics.SpecialFunctions.Log1p(-th) + At(b, i));
        }

        return tape.Wrap(id);
    }

    private sealed class LogMixOp : TapeOp
    {
        public static readonly LogMixOp Instance = new();

        // with e₁ = e^{λ₁ − y}, e₂ = e^{λ₂ − y}: ∂y/∂θ = e₁ − e₂, ∂y/∂λ₁ = θ·e₁, ∂y/∂λ₂ = (1 − θ)·e₂
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            double[]? gt = tape.G(node.In0), ga = tape.G(node.In1), gb = tape.G(node.In2);
            ReadOnlySpan<double> y = tape.V(id), g = tape.G(id)!;
            ReadOnlySpan<double> t = tape.V(node.In0), a = tape.V(node.In1), b = tape.V(node.In2);
            double st = 0, sa = 0, sb = 0;
            for (int i = 0; i < y.Length; i++)
            {
                if (g[i] == 0)
                {
                    continue;
                }

                double th = At(t, i);
                double e1 = Math.Exp(At(a, i) - y[i]), e2 = Math.Exp(At(b, i) - y[i]);
                Add(gt, t.Length, i, g[i] * (e1 - e2), ref st);
                Add(ga, a.Length, i, g[i] * th * e1, ref sa);
                Add(gb, b.Length, i, g[i] * (1 - th) * e2, ref sb);
            }

            if (gt is not null && t.Length == 1)
            {
                gt[0] += st;
            }

            if (ga is not null && a.Length == 1)
            {
                ga[0] += sa;
            }

            if (gb is not null && b.Length == 1)
            {
                gb[0] += sb;
            }
        }

        private static void Add(double[]? grad, int length, int i, double value, ref double scalarSum)
        {
            if (grad is null)
            {
                return;
            }

            if (length == 1)
            {
                scalarSum += value;
            }
            else
            {
                grad[i] += value;
            }
        }
    }
}
