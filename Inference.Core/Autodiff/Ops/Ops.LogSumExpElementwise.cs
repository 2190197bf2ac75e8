using System.Runtime.CompilerServices;

namespace Inference.Autodiff;

public static partial class Ops
{
    /// <summary>
    /// Elementwise log(eᵃ + eᵇ), computed stably (Stan's binary <c>log_sum_exp(a, b)</c>, NumPy's <c>logaddexp</c>): each
    /// operand has the result's shape or is a scalar. −∞ operands are fine: log_sum_exp(−∞, b) = b.
    /// </summary>
    public static Var LogSumExp(Var a, Var b)
    {
        var tape = TapeOf(a, b, nameof(a), nameof(b));
        int ai = tape.Check(a), bi = tape.Check(b);
        var shape = ElementwiseOrScalarShape(tape, ai, bi, -1, nameof(b));
        int id = tape.Push(LogSumExpElementwiseOp.Instance, shape, ai, bi);
        ReadOnlySpan<double> av = tape.V(ai), bv = tape.V(bi);
        Span<double> y = tape.V(id);
        for (int i = 0; i < y.Length; i++)
        {
            y[i] = LogAddExp(At(av, i), At(bv, i));
        }

        return tape.Wrap(id);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double LogAddExp(double a, double b)
    {
        double max = Math.Max(a, b);
        return double.IsNegativeInfinity(max) || double.IsPositiveInfinity(max) ? max : max + MathNet.Numerics.SpecialFunctions.Log1p(Math.Exp(-Math.Abs(a - b)));
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static double At(ReadOnlySpan<double> values, int i) => values.Length == 1 ? values[0] : values[i];

    /// <summary>The common shape of operands that each have it or are scalars (one element).</summary>
    internal static Shape ElementwiseOrScalarShape(Tape tape, int i0, int i1, int i2, string paramName)
    {
        Shape shape = Shape.Scalar;
        foreach (int i in (ReadOnlySpan<int>)[i0, i1, i2])
        {
            if (i < 0)
            {
                continue;
            }

            var s = tape.Node(i).Shape;
            if (s.Length == 1 && shape.Length == 1 && s.Rank > shape.Rank)
            {
                shape = s;
            }
            else if (s.Length != 1)
            {
                if (shape.Length != 1 && shape != s)
                {
                    throw new ArgumentException($"The operands must have one shape or be scalars; got {shape} and {s}.", paramName);
                }

                shape = s;
            }
        }

        return shape;
    }

    private sealed class LogSumExpElementwiseOp : TapeOp
    {
        public static readonly LogSumExpElementwiseOp Instance = new();

        // ∂y/∂a = e^{a − y}, ∂y/∂b = e^{b − y}; a scalar operand collects the sum
        public override void Backward(Tape tape, int id, in NodeRecord node)
        {
            ReadOnlySpan<double> y = tape.V(id), g = tape.G(id)!;
            Accumulate(tape, node.In0, y, g);
            Accumulate(tape, node.In1, y, g);
        }

        private static void Accumulate(Tape tape, int input, ReadOnlySpan<double> y, ReadOnlySpan<double> g)
        {
            double[]? gx = tape.G(input);
            if (gx is null)
            {
                return;
            }

            ReadOnlySpan<double> x = tape.V(input);
            double sum = 0;
            for (int i = 0; i < y.Length; i++)
            {
                double xi = At(x, i);
                double w = g[i] == 0 || double.IsNegativeInfinity(xi) ? 0 : g[i] * Math.Exp(xi - y[i]);
                if (x.Length == 1)
                {
                    sum += w;
                }
                else
                {
                    gx[i] += w;
                }
            }

            if (x.Length == 1)
            {
                gx[0] += sum;
            }
        }
    }
}
