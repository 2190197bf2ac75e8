using Inference.Transforms.Bijectors;

namespace Inference.Transforms;

/// <summary>
/// The support of a parameter. <see cref="Bijector"/> gives the transform from the unconstrained
/// space onto it (the role of NumPyro's <c>biject_to</c>).
/// </summary>
public abstract class Constraint
{
    /// <summary>All of ℝⁿ.</summary>
    public static Constraint Real { get; } = new RealConstraint();

    /// <summary>(0, ∞).</summary>
    public static Constraint Positive { get; } = new LowerConstraint(0);

    /// <summary>(0, 1).</summary>
    public static Constraint UnitInterval { get; } = new IntervalConstraint(0, 1);

    /// <summary>Increasing vectors.</summary>
    public static Constraint Ordered { get; } = new OrderedConstraint(false);

    /// <summary>Increasing positive vectors.</summary>
    public static Constraint PositiveOrdered { get; } = new OrderedConstraint(true);

    /// <summary>Probability vectors (non-negative, summing to 1).</summary>
    public static Constraint Simplex { get; } = new SimplexConstraint();

    /// <summary>Unit vectors (Stan's unit_vector; see <see cref="UnitVectorBijector"/>).</summary>
    public static Constraint UnitVector { get; } = new UnitVectorConstraint();

    /// <summary>Cholesky factors of correlation matrices (lower triangular, positive diagonal, unit rows).</summary>
    public static Constraint CholeskyCorrelation { get; } = new MatrixConstraint(MatrixKind.CholeskyCorrelation);

    /// <summary>Cholesky factors of covariance matrices (lower triangular, positive diagonal).</summary>
    public static Constraint CholeskyCovariance { get; } = new MatrixConstraint(MatrixKind.CholeskyCovariance);

    /// <summary>Symmetric positive-definite matrices.</summary>
    public static Constraint CovarianceMatrix { get; } = new MatrixConstraint(MatrixKind.Covariance);

    /// <summary>Correlation matrices (symmetric positive definite, unit diagonal).</summary>
    public static Constraint CorrelationMatrix { get; } = new MatrixConstraint(MatrixKind.Correlation);

    /// <summary>(<paramref name="lower"/>, ∞).</summary>
    public static Constraint GreaterThan(double lower) => new LowerConstraint(lower);

    /// <summary>(−∞, <paramref name="upper"/>).</summary>
    public static Constraint LessThan(double upper) => new UpperConstraint(upper);

    /// <summary>(<paramref name="lower"/>, <paramref name="upper"/>).</summary>
    public static Constraint Interval(double lower, double upper) => new IntervalConstraint(lower, upper);

    /// <summary>
    /// The number of unconstrained coordinates for a constrained value of <paramref name="size"/> entries
    /// (equal for elementwise constraints; K − 1 for a K-simplex).
    /// </summary>
    public virtual int UnconstrainedSize(int size) => size;

    /// <summary>The transform from ℝ^{UnconstrainedSize(size)} onto this support for values of <paramref name="size"/> entries.</summary>
    public abstract IBijector Bijector(int size);

    /// <summary>Whether <paramref name="value"/> lies in the support.</summary>
    public abstract bool Contains(ReadOnlySpan<double> value);

    private sealed class RealConstraint : Constraint
    {
        public override IBijector Bijector(int size) => new IdentityBijector(size);

        public override bool Contains(ReadOnlySpan<double> value)
        {
            foreach (double v in value)
            {
                if (double.IsNaN(v))
                {
                    return false;
                }
            }

            return true;
        }

        public override string ToString() => "real";
    }

    private sealed class LowerConstraint(double lower) : Constraint
    {
        public override IBijector Bijector(int size) => new LowerBoundBijector(size, lower);

        public override bool Contains(ReadOnlySpan<double> value)
        {
            foreach (double v in value)
            {
                if (!(v > lower))
                {
                    return false;
                }
            }

            return true;
        }

        public override string ToString() => $"greater than {lower}";
    }

    private sealed class UpperConstraint(double upper) : Constraint
    {
        public override IBijector Bijector(int size) => new UpperBoundBijector(size, upper);

        public override bool Contains(ReadOnlySpan<double> value)
        {
            foreach (double v in value)
            {
                if (!(v < upper))
                {
                    return false;
                }
            }

            return true;
        }

        public override string ToString() => $"less than {upper}";
    }

    private sealed class IntervalConstraint(double lower, double upper) : Constraint
    {
        public override IBijector Bijector(int size) => new IntervalBijector(size, lower, upper);

        public override bool Contains(ReadOnlySpan<double> value)
        {
            foreach (double v in value)
            {
                if (!(v > lower && v < upper))
                {
                    return false;
                }
            }

            return true;
        }

        public override string ToString() => $"interval ({lower}, {upper})";
    }

    private sealed class OrderedConstraint(bool positive) : Constraint
    {
        public override IBijector Bijector(int size) => new OrderedBijector(size, positive);

        public override bool Contains(ReadOnlySpan<double> value)
        {
            for (int i = 0; i < value.Length; i++)
            {
                if (double.IsNaN(value[i]) || (i > 0 && !(value[i] > value[i - 1])) || (positive && i == 0 && !(value[0] > 0)))
                {
                    return false;
                }
            }

            return true;
        }

        public override string ToString() => positive ? "positive ordered" : "ordered";
    }

    private sealed class SimplexConstraint : Constraint
    {
        public override int UnconstrainedSize(int size)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(size, 2);
            return size - 1;
        }

        public override IBijector Bijector(int size) => new SimplexBijector(size);

        public override bool Contains(ReadOnlySpan<double> value)
        {
            double s = 0;
            foreach (double v in value)
            {
                if (!(v >= 0))
                {
                    return false;
                }

                s += v;
            }

            return Math.Abs(s - 1) < 1e-8;
        }

        public override string ToString() => "simplex";
    }

    private sealed class UnitVectorConstraint : Constraint
    {
        public override IBijector Bijector(int size) => new UnitVectorBijector(size);

        public override bool Contains(ReadOnlySpan<double> value)
        {
            double s = 0;
            foreach (double v in value)
            {
                s += v * v;
            }

            return Math.Abs(s - 1) < 1e-8;
        }

        public override string ToString() => "unit vector";
    }

    private enum MatrixKind
    {
        CholeskyCorrelation,
        CholeskyCovariance,
        Covariance,
        Correlation,
    }

    private sealed class MatrixConstraint(MatrixKind kind) : Constraint
    {
        public override int UnconstrainedSize(int size)
        {
            int k = TriangularIndex.SideFromSize(size, nameof(size));
            return kind is MatrixKind.CholeskyCorrelation or MatrixKind.Correlation ? k * (k - 1) / 2 : k * (k + 1) / 2;
        }

        public override IBijector Bijector(int size)
        {
            int k = TriangularIndex.SideFromSize(size, nameof(size));
            return kind switch
            {
                MatrixKind.CholeskyCorrelation => new CholeskyCorrelationBijector(k),
                MatrixKind.CholeskyCovariance => new CholeskyCovarianceBijector(k),
                MatrixKind.Covariance => GramBijector.Covariance(k),
                _ => GramBijector.Correlation(k),
            };
        }

        public override bool Contains(ReadOnlySpan<double> value)
        {
            int k = (int)Math.Round(Math.Sqrt(value.Length));
            if (k * k != value.Length)
            {
                return false;
            }

            if (kind is MatrixKind.CholeskyCorrelation or MatrixKind.CholeskyCovariance)
            {
                for (int i = 0; i < k; i++)
                {
                    if (!(value[(i * k) + i] > 0))
                    {
                        return false;
                    }

                    double norm = 0;
                    for (int j = 0; j < k; j++)
                    {
                        double v = value[(i * k) + j];
                        if ((j > i && v != 0) || double.IsNaN(v))
                        {
                            return false;
                        }

                        norm += v * v;
                    }

                    if (kind == MatrixKind.CholeskyCorrelation && Math.Abs(norm - 1) > 1e-8)
                    {
                        return false;
                    }
                }

                return true;
            }

            var copy = value.ToArray();
            var m = MathNet.Numerics.LinearAlgebra.Matrix<double>.Build.Dense(k, k, (i, j) => copy[(i * k) + j]);
            for (int i = 0; i < k; i++)
            {
                if (kind == MatrixKind.Correlation && Math.Abs(m[i, i] - 1) > 1e-8)
                {
                    return false;
                }

                for (int j = 0; j < i; j++)
                {
                    if (Math.Abs(m[i, j] - m[j, i]) > 1e-8 * Math.Max(1, Math.Abs(m[i, j])))
                    {
                        return false;
                    }
                }
            }

            return m.Evd().EigenValues.All(e => e.Real > 0);
        }

        public override string ToString() => kind switch
        {
            MatrixKind.CholeskyCorrelation => "Cholesky factor of a correlation matrix",
            MatrixKind.CholeskyCovariance => "Cholesky factor of a covariance matrix",
            MatrixKind.Covariance => "covariance matrix",
            _ => "correlation matrix",
        };
    }
}
