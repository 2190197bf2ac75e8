using Inference.Autodiff;

namespace Inference.Flows.Bijectors;

/// <summary>
/// The monotone rational-quadratic spline of Durkan et al. (2019, "Neural Spline Flows") on [−B, B] with
/// linear (identity) tails, applied elementwise. Each coordinate has 3K − 1 raw parameters: K bin widths and K
/// bin heights (softmax, each at least 10⁻³ of the interval) and K − 1 interior knot derivatives
/// (10⁻³ + softplus, shifted so that a raw 0 gives 1); the derivatives at ±B are 1, so the map is C¹ across the tails.
/// </summary>
/// <remarks>
/// The bin of each point is looked up on the values and its knots are picked out by index
/// (<see cref="Ops.TakeAlongLastAxis"/>), so the tape holds ordinary differentiable ops and gradients are exact
/// within a bin.
/// </remarks>
internal static class RationalQuadraticSpline
{
    public const double MinBinWidth = 1e-3;
    public const double MinBinHeight = 1e-3;
    public const double MinDerivative = 1e-3;

    // softplus(0 + offset) + MinDerivative = 1: raw parameters of zero give uniform bins with unit derivatives, the
    // identity (so a layer whose network starts at zero starts as the identity, as in nflows' init_identity)
    private static readonly double DerivativeOffset = Math.Log(Math.Exp(1 - MinDerivative) - 1);

    /// <summary>Raw parameters per coordinate for <paramref name="bins"/> bins.</summary>
    public static int ParameterCount(int bins) => (3 * bins) - 1;

    /// <summary>Checks the spline settings a layer is built with.</summary>
    public static void CheckSettings(int bins, double bound)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 2);
        if (!(bound > 0) || double.IsInfinity(bound))
        {
            throw new ArgumentOutOfRangeException(nameof(bound), bound, "The tail bound must be positive and finite.");
        }
    }

    /// <summary>
    /// y = s(x) (or x = s⁻¹(y) when <paramref name="inverse"/>) for inputs [batch, n] and raw parameters
    /// [batch, n, 3K − 1]; <paramref name="logAbsDetJacobian"/> is the per-row sum [batch].
    /// </summary>
    public static Var Apply(Var input, Var raw, int bins, double bound, bool inverse, out Var logAbsDetJacobian)
    {
        var tape = input.Tape;
        int rows = input.Shape[0], n = input.Shape[1], k = bins;
        var values = input.Value;
        var inside = new bool[rows * n];
        for (int i = 0; i < inside.Length; i++)
        {
            inside[i] = values[i] >= -bound && values[i] <= bound;
        }

        // knots: fractions of the interval, then positions
        var widths = (Ops.Softmax(Ops.Slice(raw, 0, k), -1) * (1 - (MinBinWidth * k))) + MinBinWidth;
        var heights = (Ops.Softmax(Ops.Slice(raw, k, k), -1) * (1 - (MinBinHeight * k))) + MinBinHeight;
        var xLeft = ((Ops.CumSum(widths) - widths) * (2 * bound)) - bound;
        var yLeft = ((Ops.CumSum(heights) - heights) * (2 * bound)) - bound;
        var binWidth = widths * (2 * bound);
        var binHeight = heights * (2 * bound);
        var interior = Ops.Softplus(Ops.Slice(raw, 2 * k, k - 1) + DerivativeOffset) + MinDerivative;
        var leftEnd = new double[k];
        var rightEnd = new double[k];
        leftEnd[0] = 1;
        rightEnd[k - 1] = 1;
        var dLeft = Ops.Scatter(interior, Enumerable.Range(1, k - 1).ToArray(), k) + tape.Constant(leftEnd);
        var dRight = Ops.Scatter(interior, Enumerable.Range(0, k - 1).ToArray(), k) + tape.Constant(rightEnd);

        // the bin of each point, looked up on the values; the knots of that bin are picked out by index
        var knots = (inverse ? yLeft : xLeft).Value;
        var bin = new int[rows * n];
        for (int i = 0; i < inside.Length; i++)
        {
            int b = 0;
            if (inside[i])
            {
                while (b + 1 < k && knots[(i * k) + b + 1] <= values[i])
                {
                    b++;
                }
            }

            bin[i] = b;
        }

        var x0 = Ops.TakeAlongLastAxis(xLeft, bin);
        var y0 = Ops.TakeAlongLastAxis(yLeft, bin);
        var w = Ops.TakeAlongLastAxis(binWidth, bin);
        var h = Ops.TakeAlongLastAxis(binHeight, bin);
        var d0 = Ops.TakeAlongLastAxis(dLeft, bin);
        var d1 = Ops.TakeAlongLastAxis(dRight, bin);
        var slope = h / w;
        // outside points get the left end (θ = 0 in bin 0), where every term is finite; their results are discarded
        var v = Ops.Where(inside, input, -bound);
        var curvature = d1 + d0 - (2 * slope);

        Var theta;
        Var output;
        if (!inverse)
        {
            theta = (v - x0) / w;
            var t1 = theta * (1 - theta);
            output = y0 + (h * ((slope * Ops.Square(theta)) + (d0 * t1)) / (slope + (curvature * t1)));
        }
        else
        {
            var dy = v - y0;
            var a = (h * (slope - d0)) + (dy * curvature);
            var b = (h * d0) - (dy * curvature);
            var c = -slope * dy;
            var discriminant = Ops.Clamp(Ops.Square(b) - (4 * a * c), 0, double.PositiveInfinity);
            theta = (2 * c) / (-b - Ops.Sqrt(discriminant));
            output = (theta * w) + x0;
        }

        var oneMinus = 1 - theta;
        var denominator = slope + (curvature * theta * oneMinus);
        var numerator = Ops.Square(slope) * ((d1 * Ops.Square(theta)) + (2 * slope * theta * oneMinus) + (d0 * Ops.Square(oneMinus)));
        var logDerivative = Ops.Log(numerator) - (2 * Ops.Log(denominator));
        var perElement = Ops.Where(inside, inverse ? -logDerivative : logDerivative, 0.0);
        logAbsDetJacobian = Ops.Sum(perElement, -1);
        return Ops.Where(inside, output, input);
    }
}
