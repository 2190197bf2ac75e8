using System.Buffers;
using Inference.Autodiff;
using Inference.Autodiff.Kernels;

namespace Inference.Distributions;

/// <summary>An interval of admissible values, each end open or closed, optionally of whole numbers only.</summary>
internal readonly record struct Domain(double Lower, double Upper, bool LowerOpen, bool UpperOpen, bool Integer)
{
    /// <summary>(0, ∞): scales, rates, shapes, concentrations.</summary>
    public static readonly Domain Positive = new(0, double.PositiveInfinity, true, true, false);

    /// <summary>[0, ∞): the support of the positive continuous distributions.</summary>
    public static readonly Domain NonNegative = new(0, double.PositiveInfinity, false, true, false);

    /// <summary>[0, 1]: probabilities and the support of Beta.</summary>
    public static readonly Domain UnitInterval = new(0, 1, false, false, false);

    /// <summary>{0, 1, 2, …}: counts.</summary>
    public static readonly Domain Counts = new(0, double.PositiveInfinity, false, true, true);

    /// <summary>{0, 1}.</summary>
    public static readonly Domain Binary = new(0, 1, false, false, true);

    /// <summary>(−∞, ∞): every finite number.</summary>
    public static readonly Domain Finite = new(double.NegativeInfinity, double.PositiveInfinity, true, true, false);

    /// <summary>[<paramref name="lower"/>, <paramref name="upper"/>], whole numbers only when <paramref name="integer"/>.</summary>
    public static Domain Closed(double lower, double upper, bool integer = false) => new(lower, upper, false, false, integer);

    public bool Contains(double v) =>
        (LowerOpen ? v > Lower : v >= Lower) && (UpperOpen ? v < Upper : v <= Upper) && (!Integer || v == Math.Floor(v));
}

/// <summary>
/// The −∞ of a log-density outside a distribution's support. The rule, for every distribution:
/// <list type="bullet">
/// <item>A value outside the support (an observation or a parameter value) has log-density −∞ (log 0), elementwise.</item>
/// <item>An invalid distribution parameter given as a constant (a <c>double</c> argument of a static <c>LogProb</c>,
/// or a constructor argument) raises <see cref="ArgumentOutOfRangeException"/> naming it, before any work.</item>
/// <item>An invalid parameter given as a tape value (typically computed from the model's parameters, e.g. a scale
/// that a sampler moved below zero) is not an error: the elements it affects get log-density −∞, which a sampler
/// rejects as a divergent proposal. Tape values are never checked by raising, since mid-sampling that would end the run.</item>
/// </list>
/// Checking costs one pass over the values and adds no tape node, and allocates nothing, when everything is inside.
/// </summary>
internal static class SupportCheck
{
    /// <summary><paramref name="logDensity"/>, with −∞ wherever <paramref name="value"/> (broadcast to its shape) lies outside <paramref name="domain"/>.</summary>
    public static Var Restrict(Var logDensity, Var value, Domain domain)
    {
        var tape = value.Tape;
        int vi = tape.Check(value);
        ReadOnlySpan<double> values = tape.V(vi);
        bool inside = true;
        foreach (double v in values)
        {
            if (!domain.Contains(v))
            {
                inside = false;
                break;
            }
        }

        if (inside)
        {
            // no node: a replay of this tape holds only while the values stay inside
            tape.AddGuard(vi, domain);
            return logDensity;
        }

        // the mask below is made from the values: the tape cannot be replayed
        tape.BlockReplay();
        var shape = logDensity.Shape;
        var broadcast = Materialize(value, shape);
        var keep = new bool[shape.Length];
        for (int i = 0; i < keep.Length; i++)
        {
            keep[i] = domain.Contains(broadcast[i]);
        }

        return Ops.Where(keep, logDensity, double.NegativeInfinity);
    }

    /// <summary>As <see cref="Restrict(Var, Var, Domain)"/> for a tape-valued argument; a constant one was checked on entry.</summary>
    public static Var Restrict(Var logDensity, Arg argument, Domain domain) =>
        argument.IsVar ? Restrict(logDensity, argument.Variable, domain) : logDensity;

    /// <summary>
    /// <paramref name="logDensity"/>, with −∞ wherever lower ≤ x ≤ upper fails or lower &lt; upper fails (all broadcast to its
    /// shape), for bounds that may be tape values; whole numbers only when <paramref name="integer"/>.
    /// </summary>
    public static Var Between(Var logDensity, Var x, Arg lower, Arg upper, bool integer = false, bool strictBounds = true)
    {
        if (!lower.IsVar && !upper.IsVar)
        {
            return Restrict(logDensity, x, Domain.Closed(lower.ConstantValue, upper.ConstantValue, integer));
        }

        var shape = logDensity.Shape;
        var tape = x.Tape;
        // bounds that are tape values are checked element by element against x here, with no guard a replay could check
        tape.BlockReplay();
        double[]? rx = null, rl = null, ru = null;
        try
        {
            var xs = View(x, shape, ref rx);
            var ls = lower.IsVar ? View(lower.Variable, shape, ref rl) : [lower.ConstantValue];
            var us = upper.IsVar ? View(upper.Variable, shape, ref ru) : [upper.ConstantValue];
            bool[]? keep = null;
            for (int i = 0; i < shape.Length; i++)
            {
                double v = At(xs, i), lo = At(ls, i), hi = At(us, i);
                bool ok = v >= lo && v <= hi && (strictBounds ? lo < hi : lo <= hi) && (!integer || v == Math.Floor(v));
                if (!ok)
                {
                    keep ??= Enumerable.Repeat(true, shape.Length).ToArray();
                    keep[i] = false;
                }
            }

            return keep is null ? logDensity : Ops.Where(keep, logDensity, double.NegativeInfinity);
        }
        finally
        {
            Return(rx);
            Return(rl);
            Return(ru);
        }
    }

    private static double At(ReadOnlySpan<double> values, int i) => values.Length == 1 ? values[0] : values[i];

    // The values of v in shape: itself when the shapes agree or v is a scalar (read with At), else broadcast into a pooled buffer.
    private static ReadOnlySpan<double> View(Var v, Shape shape, ref double[]? rented)
    {
        var s = v.Shape;
        if ((s == shape && !v.Tape.IsBatched(v.Tape.Check(v))) || s.Length == 1)
        {
            return v.Value;
        }

        rented = ArrayPool<double>.Shared.Rent(shape.Length);
        var y = rented.AsSpan(0, shape.Length);
        Broadcast(v, y, shape);
        return y;
    }

    private static double[] Materialize(Var v, Shape shape)
    {
        var s = v.Shape;
        if (s == shape)
        {
            return v.Value.ToArray();
        }

        var y = new double[shape.Length];
        Broadcast(v, y, shape);
        return y;
    }

    // y = v + 0 with v stretched to shape (y is the zero operand too: the kernel works element by element)
    private static void Broadcast(Var v, Span<double> y, Shape shape)
    {
        var s = v.Shape;
        if (v.Tape.IsBatched(v.Tape.Check(v)))
        {
            // a batch of points: the value's inner shape lines up with the log-density's, batch axis to batch axis
            if (s[0] != shape[0] || shape.Rank < s.Rank)
            {
                throw new BatchNotSupportedException("A support check on a batched value outside its support cannot take a batch of points in one pass.");
            }

            s = Batching.ViewFor(s, shape);
        }

        y.Clear();
        Broadcasting.Binary(BinaryKind.Add, v.Value, s, y, shape, y, shape);
    }

    private static void Return(double[]? rented)
    {
        if (rented is not null)
        {
            ArrayPool<double>.Shared.Return(rented);
        }
    }
}
