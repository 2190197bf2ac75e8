namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// log I₀(x) elementwise, the log of the modified Bessel function of the first kind of order 0 (the von Mises
    /// normalizer), finite for every finite x: |x| + log(e^{−|x|} I₀(|x|)) with the exponentially scaled Bessel function.
    /// Its derivative is I₁(x)/I₀(x).
    /// </summary>
    public static Var LogBesselI0(Var x) => Unary(LogBesselI0Op.Instance, x, nameof(x));

    private sealed class LogBesselI0Op : UnaryOp
    {
        public static readonly LogBesselI0Op Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                double a = Math.Abs(x[i]);
                y[i] = a + Math.Log(MathNet.Numerics.SpecialFunctions.BesselIScaled(0, a));
            }
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                double a = Math.Abs(x[i]);
                double ratio = MathNet.Numerics.SpecialFunctions.BesselIScaled(1, a) / MathNet.Numerics.SpecialFunctions.BesselIScaled(0, a);
                d[i] = x[i] < 0 ? -ratio : ratio;
            }
        }
    }
}
