namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// log Φ(x) elementwise, the log of the standard normal CDF (the skew-normal's skewing factor), accurate in both
    /// tails: log1p(−Φ(−x)) for x &gt; 0, log(erfc(−x/√2)/2) down to −37, and the asymptotic series below, where Φ
    /// underflows. Its derivative is φ(x)/Φ(x).
    /// </summary>
    public static Var LogNormalCdf(Var x) => Unary(LogNormalCdfOp.Instance, x, nameof(x));

    internal static double LogNormalCdf(double x)
    {
        const double InvSqrt2 = 0.70710678118654752440;
        if (x > 0)
        {
            return MathNet.Numerics.SpecialFunctions.Log1p(-0.5 * MathNet.Numerics.SpecialFunctions.Erfc(x * InvSqrt2));
        }

        if (x > -37)
        {
            return Math.Log(0.5 * MathNet.Numerics.SpecialFunctions.Erfc(-x * InvSqrt2));
        }

        // Mills ratio: Φ(x) = φ(x)/|x| · (1 − 1/x² + 3/x⁴ − 15/x⁶ + 105/x⁸ − …); at |x| ≥ 37 four terms reach 1e-15
        double r = 1 / (x * x);
        double series = 1 - (r * (1 - (3 * r * (1 - (5 * r * (1 - (7 * r)))))));
        return (-0.5 * x * x) - Math.Log(-x) - 0.91893853320467274178 + Math.Log(series);
    }

    private sealed class LogNormalCdfOp : UnaryOp
    {
        public static readonly LogNormalCdfOp Instance = new();

        public override void Forward(Tape tape, ReadOnlySpan<double> x, Span<double> y, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                y[i] = LogNormalCdf(x[i]);
            }
        }

        protected override void Derivative(Tape tape, ReadOnlySpan<double> x, ReadOnlySpan<double> y, Span<double> d, in NodeRecord node)
        {
            for (int i = 0; i < x.Length; i++)
            {
                d[i] = Math.Exp((-0.5 * x[i] * x[i]) - 0.91893853320467274178 - y[i]);
            }
        }
    }
}
