namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>log|Γ(x)| elementwise (MathNet.Numerics for x ≥ 0.5, reflection below); its derivative is the digamma function.</summary>
    public static Var LGamma(Var x) => Unary(LGammaOp.Instance, x, nameof(x));

    private sealed class LGammaOp : UnaryOp
    {
        public static readonly LGammaOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = Kernels.SpecialFunctions.LogAbsGamma(x[i]);
            }
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                d[i] = MathNet.Numerics.SpecialFunctions.DiGamma(x[i]);
            }
        }
    }
}
