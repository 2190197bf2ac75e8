namespace Inference.Autodiff;

/// <summary>
/// A handle to a value recorded on a <see cref="Tape"/>. Cheap to copy; valid until the tape is reset.
/// Arithmetic operators record the corresponding <see cref="Ops"/> call.
/// </summary>
public readonly struct Var : IEquatable<Var>
{
    internal Var(Tape tape, int id)
    {
        Tape = tape;
        Id = id;
        Generation = tape.Generation;
    }

    /// <summary>The tape this value is recorded on (use it to create constants next to it).</summary>
    public Tape Tape { get; }

    internal int Id { get; }

    internal int Generation { get; }

    /// <summary>The shape.</summary>
    public Shape Shape => Tape.ShapeOf(this);

    /// <summary>The value.</summary>
    public ReadOnlySpan<double> Value => Tape.Value(this);

    /// <summary>The gradient from the last backward pass.</summary>
    public ReadOnlySpan<double> Grad => Tape.Grad(this);

    /// <summary>The value of a single-element tensor.</summary>
    /// <exception cref="InvalidOperationException">The value has more than one element.</exception>
    public double Item
    {
        get
        {
            var v = Value;
            return v.Length == 1 ? v[0] : throw new InvalidOperationException($"Item needs a single element; shape is {Shape}.");
        }
    }

    /// <summary>Whether gradients flow to this value.</summary>
    public bool RequiresGrad => Tape.RequiresGrad(this);

    /// <summary>Elementwise sum with broadcasting.</summary>
    public static Var operator +(Var a, Var b) => Ops.Add(a, b);

    /// <summary>Adds a constant.</summary>
    public static Var operator +(Var a, double c) => Ops.Add(a, c);

    /// <summary>Adds a constant.</summary>
    public static Var operator +(double c, Var a) => Ops.Add(a, c);

    /// <summary>Elementwise difference with broadcasting.</summary>
    public static Var operator -(Var a, Var b) => Ops.Sub(a, b);

    /// <summary>Subtracts a constant.</summary>
    public static Var operator -(Var a, double c) => Ops.Add(a, -c);

    /// <summary>A constant minus a tensor.</summary>
    public static Var operator -(double c, Var a) => Ops.Sub(c, a);

    /// <summary>Negation.</summary>
    public static Var operator -(Var a) => Ops.Neg(a);

    /// <summary>Elementwise product with broadcasting.</summary>
    public static Var operator *(Var a, Var b) => Ops.Mul(a, b);

    /// <summary>Scales by a constant.</summary>
    public static Var operator *(Var a, double c) => Ops.Mul(a, c);

    /// <summary>Scales by a constant.</summary>
    public static Var operator *(double c, Var a) => Ops.Mul(a, c);

    /// <summary>Elementwise quotient with broadcasting.</summary>
    public static Var operator /(Var a, Var b) => Ops.Div(a, b);

    /// <summary>Divides by a constant.</summary>
    public static Var operator /(Var a, double c) => Ops.Mul(a, 1.0 / c);

    /// <summary>A constant divided elementwise by a tensor.</summary>
    public static Var operator /(double c, Var a) => Ops.Div(c, a);

    /// <summary>Named alternative for <c>+</c>.</summary>
    public static Var Add(Var left, Var right) => Ops.Add(left, right);

    /// <summary>Named alternative for <c>-</c>.</summary>
    public static Var Subtract(Var left, Var right) => Ops.Sub(left, right);

    /// <summary>Named alternative for unary <c>-</c>.</summary>
    public static Var Negate(Var value) => Ops.Neg(value);

    /// <summary>Named alternative for <c>*</c>.</summary>
    public static Var Multiply(Var left, Var right) => Ops.Mul(left, right);

    /// <summary>Named alternative for <c>/</c>.</summary>
    public static Var Divide(Var left, Var right) => Ops.Div(left, right);

    /// <inheritdoc/>
    public bool Equals(Var other) => ReferenceEquals(Tape, other.Tape) && Id == other.Id && Generation == other.Generation;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Var v && Equals(v);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Id, Generation);

    /// <summary>Same tape, node and generation.</summary>
    public static bool operator ==(Var left, Var right) => left.Equals(right);

    /// <summary>Different tape, node or generation.</summary>
    public static bool operator !=(Var left, Var right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => Tape is null ? "Var(default)" : $"Var#{Id} {Shape}";
}
