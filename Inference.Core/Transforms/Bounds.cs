using System.Globalization;
using Inference.Autodiff;
using Inference.Distributions;

namespace Inference.Transforms;

/// <summary>
/// Bounds of a parameter that may depend on other parameters or on data (Stan's <c>real&lt;lower=a, upper=1 - b&gt;</c>
/// with expressions for a and b): each bound is a constant or a tape value, a scalar or one value per element.
/// The transform is Stan's, applied with the bounds' current values, and its log-Jacobian is added at every evaluation:
/// x = L + eᵘ (log|J| = u), x = U − eᵘ (log|J| = u), or x = L + (U − L)·σ(u) (log|J| = log(U − L) + log σ(u) + log σ(−u)).
/// A constant bound of ±∞ means no bound on that side.
/// </summary>
/// <example><code>
/// var alpha1 = m.Parameter("alpha1", Constraint.Interval(0, 1));
/// var beta1 = m.Parameter("beta1", Bounds.Interval(0.0, 1.0 - alpha1));   // real&lt;lower=0, upper=(1 - alpha1)&gt; beta1
/// </code></example>
public readonly struct Bounds
{
    private Bounds(Arg lower, Arg upper, bool hasLower, bool hasUpper)
    {
        Lower = lower;
        Upper = upper;
        HasLower = hasLower && (lower.IsVar || !double.IsNegativeInfinity(lower.ConstantValue));
        HasUpper = hasUpper && (upper.IsVar || !double.IsPositiveInfinity(upper.ConstantValue));
    }

    /// <summary>The lower bound (when <see cref="HasLower"/>).</summary>
    public Arg Lower { get; }

    /// <summary>The upper bound (when <see cref="HasUpper"/>).</summary>
    public Arg Upper { get; }

    /// <summary>Whether there is a lower bound.</summary>
    public bool HasLower { get; }

    /// <summary>Whether there is an upper bound.</summary>
    public bool HasUpper { get; }

    /// <summary>(<paramref name="lower"/>, ∞).</summary>
    public static Bounds GreaterThan(Arg lower) => new(lower, default, true, false);

    /// <summary>(−∞, <paramref name="upper"/>).</summary>
    public static Bounds LessThan(Arg upper) => new(default, upper, false, true);

    /// <summary>(<paramref name="lower"/>, <paramref name="upper"/>).</summary>
    public static Bounds Interval(Arg lower, Arg upper) => new(lower, upper, true, true);

    /// <inheritdoc/>
    public override string ToString() => (HasLower, HasUpper) switch
    {
        (true, true) => $"between {Describe(Lower)} and {Describe(Upper)}",
        (true, false) => $"greater than {Describe(Lower)}",
        (false, true) => $"less than {Describe(Upper)}",
        _ => "real",
    };

    private static string Describe(Arg a) => a.IsVar ? "a value on the tape" : a.ConstantValue.ToString(CultureInfo.InvariantCulture);

    /// <summary>Checks that each bound is a scalar or has <paramref name="size"/> elements.</summary>
    internal void CheckSize(int size, string name, string paramName)
    {
        // checked side by side, not through an array of tuples: this runs at every evaluation of a model
        CheckSide(HasLower, Lower, "lower", size, name, paramName);
        CheckSide(HasUpper, Upper, "upper", size, name, paramName);
    }

    private static void CheckSide(bool has, Arg bound, string side, int size, string name, string paramName)
    {
        if (has && bound.IsVar && bound.Variable.Shape.Length != 1 && bound.Variable.Shape.Length != size)
        {
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture, $"The {side} bound of '{name}' has {bound.Variable.Shape.Length} elements; it must be a scalar or have the parameter's {size}."), paramName);
        }
    }

    /// <summary>x = T(u) onto the bounds' current values, elementwise over the vector <paramref name="u"/>, with Σ log|J|.</summary>
    public Var Forward(Var u, out Var logAbsDetJacobian)
    {
        var t = u.Tape;
        if (HasLower && HasUpper)
        {
            var lower = Lower.On(t);
            var width = Upper.On(t) - lower;
            logAbsDetJacobian = Ops.Sum(Ops.LogSigmoid(u) + Ops.LogSigmoid(-u) + Ops.Log(width));
            return lower + (width * Ops.Sigmoid(u));
        }

        if (HasLower || HasUpper)
        {
            logAbsDetJacobian = Ops.Sum(u);
            var e = Ops.Exp(u);
            return HasLower ? Lower.On(t) + e : Upper.On(t) - e;
        }

        logAbsDetJacobian = Ops.Sum(u) * 0.0;
        return u;
    }

    /// <summary>
    /// u = T⁻¹(x) with the bounds' current values (read from the tape), into <paramref name="u"/>; false when an element
    /// of <paramref name="x"/> is not strictly inside its bounds.
    /// </summary>
    internal bool TryInverse(ReadOnlySpan<double> x, Span<double> u)
    {
        var lower = HasLower ? (Lower.IsVar ? Lower.Variable.Value : [Lower.ConstantValue]) : default;
        var upper = HasUpper ? (Upper.IsVar ? Upper.Variable.Value : [Upper.ConstantValue]) : default;
        for (int i = 0; i < x.Length; i++)
        {
            double v = x[i];
            double lo = HasLower ? lower[lower.Length == 1 ? 0 : i] : double.NegativeInfinity;
            double hi = HasUpper ? upper[upper.Length == 1 ? 0 : i] : double.PositiveInfinity;
            if (!(v > lo && v < hi))
            {
                return false;
            }

            u[i] = (HasLower, HasUpper) switch
            {
                (true, true) => Math.Log(v - lo) - Math.Log(hi - v),
                (true, false) => Math.Log(v - lo),
                (false, true) => Math.Log(hi - v),
                _ => v,
            };
        }

        return true;
    }
}
