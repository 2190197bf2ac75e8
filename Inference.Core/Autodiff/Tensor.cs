namespace Inference.Autodiff;

/// <summary>
/// A dense row-major float64 tensor of rank 0 to 3, backed by a <see cref="double"/> array whose
/// length equals the number of elements.
/// </summary>
public sealed class Tensor
{
    /// <summary>Creates a zero tensor of the given shape.</summary>
    public Tensor(Shape shape)
    {
        Shape = shape;
        Data = new double[shape.Length];
    }

    /// <summary>Wraps <paramref name="data"/> (not copied) as a tensor of the given shape.</summary>
    /// <exception cref="ArgumentException">The length of <paramref name="data"/> differs from the shape's.</exception>
    public Tensor(double[] data, Shape shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        if (data.Length != shape.Length)
        {
            throw new ArgumentException($"Data has {data.Length} elements but shape {shape} needs {shape.Length}.", nameof(data));
        }

        Shape = shape;
        Data = data;
    }

    /// <summary>The shape.</summary>
    public Shape Shape { get; }

    /// <summary>The elements in row-major order.</summary>
    public double[] Data { get; }

    /// <summary>The elements as a span.</summary>
    public Span<double> Span => Data;

    /// <summary>Number of elements.</summary>
    public int Length => Data.Length;

    /// <summary>Element <paramref name="i"/> in row-major order.</summary>
    public double this[int i]
    {
        get => Data[i];
        set => Data[i] = value;
    }

    /// <summary>Element (<paramref name="i"/>, <paramref name="j"/>) of a matrix.</summary>
    public double this[int i, int j]
    {
        get => Data[(i * Shape[1]) + j];
        set => Data[(i * Shape[1]) + j] = value;
    }

    /// <summary>A vector tensor wrapping <paramref name="values"/> (not copied).</summary>
    public static Tensor FromVector(double[] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        return new Tensor(values, Shape.Vector(values.Length));
    }

    /// <summary>A matrix tensor copied from a rectangular array.</summary>
    public static Tensor FromMatrix(double[,] values)
    {
        ArgumentNullException.ThrowIfNull(values);
        int m = values.GetLength(0), n = values.GetLength(1);
        var t = new Tensor(Shape.Matrix(m, n));
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                t.Data[(i * n) + j] = values[i, j];
            }
        }

        return t;
    }

    /// <summary>A scalar tensor.</summary>
    public static Tensor FromScalar(double value) => new([value], Shape.Scalar);

    /// <summary>Row <paramref name="i"/> of a matrix as a span.</summary>
    public Span<double> Row(int i)
    {
        if (Shape.Rank != 2)
        {
            throw new InvalidOperationException($"Row access needs a matrix; this tensor has shape {Shape}.");
        }

        int n = Shape[1];
        return Data.AsSpan(i * n, n);
    }
}
