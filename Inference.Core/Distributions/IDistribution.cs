using Inference.Autodiff;
using Inference.Randomness;
using Inference.Transforms;

namespace Inference.Distributions;

/// <summary>
/// A distribution with fixed parameters: its support, elementwise log-density on the tape, and seeded sampling.
/// Each distribution also has a static <c>LogProb</c> that is differentiable in every argument.
/// </summary>
public interface IDistribution
{
    /// <summary>The support (the constraint a parameter with this prior gets by default).</summary>
    Constraint Support { get; }

    /// <summary>Whether values are integers (a probability mass function).</summary>
    bool IsDiscrete { get; }

    /// <summary>The elementwise log-density (or log-mass) of <paramref name="value"/>: −∞ where a value lies outside the support.</summary>
    Var LogProb(Var value);

    /// <summary>Fills <paramref name="destination"/> with independent draws.</summary>
    void Sample(Rng rng, Span<double> destination);
}

/// <summary>
/// A distribution argument: a constant or a value on the tape (implicit conversions from both), so the
/// static <c>LogProb</c> methods are differentiable in whichever arguments are tape values.
/// </summary>
public readonly struct Arg
{
    private readonly Var _var;
    private readonly double _value;

    private Arg(Var v)
    {
        _var = v;
        IsVar = true;
    }

    private Arg(double value) => _value = value;

    /// <summary>Whether this argument is a tape value.</summary>
    public bool IsVar { get; }

    /// <summary>A constant argument.</summary>
    public static implicit operator Arg(double value) => new(value);

    /// <summary>A tape-value argument.</summary>
    public static implicit operator Arg(Var value) => new(value);

    /// <summary>A constant argument.</summary>
    public static Arg FromDouble(double value) => new(value);

    /// <summary>A tape-value argument.</summary>
    public static Arg FromVar(Var value) => new(value);

    /// <summary>This argument as a value on <paramref name="tape"/>.</summary>
    public Var On(Tape tape) => IsVar ? _var : tape.Constant(_value);

    internal double ConstantValue => _value;

    internal Var Variable => _var;
}

/// <summary>
/// Parameter checks shared by the distributions' constructors and by the static <c>LogProb</c> forms, whose constant
/// (<c>double</c>) arguments are checked the same way; tape-valued arguments are not checked here (see <see cref="SupportCheck"/>).
/// </summary>
internal static class Check
{
    public static void Finite(Arg value, string name)
    {
        if (!value.IsVar)
        {
            Finite(value.ConstantValue, name);
        }
    }

    public static void Positive(Arg value, string name)
    {
        if (!value.IsVar)
        {
            Positive(value.ConstantValue, name);
        }
    }

    public static void Probability(Arg value, string name)
    {
        if (!value.IsVar)
        {
            Probability(value.ConstantValue, name);
        }
    }

    public static double Finite(double value, string name) =>
        double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Must be finite.");

    public static double Positive(double value, string name) =>
        value > 0 && double.IsFinite(value) ? value : throw new ArgumentOutOfRangeException(name, value, "Must be positive and finite.");

    public static double Probability(double value, string name) =>
        value is >= 0 and <= 1 ? value : throw new ArgumentOutOfRangeException(name, value, "Must be a probability in [0, 1].");

}
