namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>The digamma function ψ(x) = d log Γ(x)/dx elementwise; its derivative is the trigamma function.</summary>
    public static Var Digamma(Var x) => Unary(DigammaOp.Instance, x, nameof(x));

    private sealed class DigammaOp : UnaryOp
    {
        public static readonly DigammaOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = MathNet.Numerics.SpecialFunctions.DiGamma(x[i]);
            }
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                d[i] = Kernels.SpecialFunctions.Trigamma(x[i]);
            }
        }
    }
}
