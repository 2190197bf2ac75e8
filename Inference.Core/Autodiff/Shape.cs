using System.Globalization;

namespace Inference.Autodiff;

/// <summary>
/// The shape of a row-major float64 tensor of rank 0 (scalar) to 3.
/// </summary>
public readonly struct Shape : IEquatable<Shape>
{
    private readonly int _d0, _d1, _d2;

    private Shape(int rank, int d0, int d1, int d2)
    {
        Rank = rank;
        _d0 = d0;
        _d1 = d1;
        _d2 = d2;
    }

    /// <summary>The number of axes (0 to 3).</summary>
    public int Rank { get; }

    /// <summary>The number of elements.</summary>
    public int Length => Rank switch
    {
        0 => 1,
        1 => _d0,
        2 => _d0 * _d1,
        _ => _d0 * _d1 * _d2,
    };

    /// <summary>The size of axis <paramref name="axis"/>.</summary>
    public int this[int axis]
    {
        get
        {
            if ((uint)axis >= (uint)Rank)
            {
                throw new ArgumentOutOfRangeException(nameof(axis), axis, $"Axis must be in [0, {Rank}) for a rank-{Rank} shape.");
            }

            return axis switch { 0 => _d0, 1 => _d1, _ => _d2 };
        }
    }

    /// <summary>The shape of a scalar.</summary>
    public static Shape Scalar => default;

    /// <summary>A vector of <paramref name="n"/> elements.</summary>
    public static Shape Vector(int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        return new Shape(1, n, 0, 0);
    }

    /// <summary>A matrix with <paramref name="rows"/> rows and <paramref name="columns"/> columns.</summary>
    public static Shape Matrix(int rows, int columns)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        return new Shape(2, rows, columns, 0);
    }

    /// <summary>A rank-3 shape.</summary>
    public static Shape Of(int d0, int d1, int d2)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(d0);
        ArgumentOutOfRangeException.ThrowIfNegative(d1);
        ArgumentOutOfRangeException.ThrowIfNegative(d2);
        return new Shape(3, d0, d1, d2);
    }

    /// <summary>A shape from its dimensions (0 to 3 of them).</summary>
    public static Shape Of(ReadOnlySpan<int> dims) => dims.Length switch
    {
        0 => Scalar,
        1 => Vector(dims[0]),
        2 => Matrix(dims[0], dims[1]),
        3 => Of(dims[0], dims[1], dims[2]),
        _ => throw new ArgumentException($"Rank {dims.Length} is not supported; tensors have rank 0 to 3.", nameof(dims)),
    };

    /// <summary>The shape padded on the left with ones to rank 3: (outer, middle, inner).</summary>
    internal (int D0, int D1, int D2) Padded => Rank switch
    {
        0 => (1, 1, 1),
        1 => (1, 1, _d0),
        2 => (1, _d0, _d1),
        _ => (_d0, _d1, _d2),
    };

    /// <summary>Splits the shape around <paramref name="axis"/> into (outer, axis size, inner) for strided loops.</summary>
    internal (int Outer, int N, int Inner) AroundAxis(int axis)
    {
        int outer = 1, inner = 1;
        for (int a = 0; a < axis; a++)
        {
            outer *= this[a];
        }

        for (int a = axis + 1; a < Rank; a++)
        {
            inner *= this[a];
        }

        return (outer, this[axis], inner);
    }

    /// <summary>The shape with <paramref name="axis"/> removed.</summary>
    internal Shape RemoveAxis(int axis) => Rank switch
    {
        1 => Scalar,
        2 => Vector(axis == 0 ? _d1 : _d0),
        _ => axis switch { 0 => Matrix(_d1, _d2), 1 => Matrix(_d0, _d2), _ => Matrix(_d0, _d1) },
    };

    /// <summary>The shape with <paramref name="axis"/> resized to <paramref name="size"/>.</summary>
    internal Shape WithAxis(int axis, int size) => Rank switch
    {
        1 => Vector(size),
        2 => axis == 0 ? Matrix(size, _d1) : Matrix(_d0, size),
        _ => axis switch { 0 => Of(size, _d1, _d2), 1 => Of(_d0, size, _d2), _ => Of(_d0, _d1, size) },
    };

    /// <summary>Resolves a possibly negative axis (−1 is the last) and checks it.</summary>
    internal int NormalizeAxis(int axis, string paramName)
    {
        int a = axis < 0 ? axis + Rank : axis;
        if ((uint)a >= (uint)Rank)
        {
            throw new ArgumentOutOfRangeException(paramName, axis, $"Axis {axis} is out of range for shape {this}.");
        }

        return a;
    }

    /// <inheritdoc/>
    public bool Equals(Shape other) => Rank == other.Rank && _d0 == other._d0 && _d1 == other._d1 && _d2 == other._d2;

    /// <inheritdoc/>
    public override bool Equals(object? obj) => obj is Shape s && Equals(s);

    /// <inheritdoc/>
    public override int GetHashCode() => HashCode.Combine(Rank, _d0, _d1, _d2);

    /// <summary>Shapes are equal when rank and every dimension agree.</summary>
    public static bool operator ==(Shape left, Shape right) => left.Equals(right);

    /// <summary>Shapes differ when rank or a dimension differs.</summary>
    public static bool operator !=(Shape left, Shape right) => !left.Equals(right);

    /// <inheritdoc/>
    public override string ToString() => Rank switch
    {
        0 => "[]",
        1 => string.Create(CultureInfo.InvariantCulture, $"[{_d0}]"),
        2 => string.Create(CultureInfo.InvariantCulture, $"[{_d0}, {_d1}]"),
        _ => string.Create(CultureInfo.InvariantCulture, $"[{_d0}, {_d1}, {_d2}]"),
    };
}
