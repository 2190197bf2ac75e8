using Inference.Autodiff;

namespace Inference.InverseProblems;

/// <summary>An external forward solver: writes y = F(x) for one parameter vector x.</summary>
public delegate void SolverForward(ReadOnlySpan<double> x, Span<double> y);

/// <summary>The solver's adjoint: writes x̄ = J_F(x)ᵀ ȳ (the vector-Jacobian product) for one x and cotangent ȳ.</summary>
public delegate void SolverAdjoint(ReadOnlySpan<double> x, ReadOnlySpan<double> yBar, Span<double> xBar);

/// <summary>
/// The forward operator F of an inverse problem y = F(x) + noise, from parameters x ∈ ℝᵈ to noise-free observations
/// ℝᵐ, differentiable on the tape. Build it from tape code, a matrix, or an external solver with its adjoint.
/// </summary>
public abstract class ForwardOperator
{
    /// <summary>Creates an operator from ℝ^<paramref name="inputDimension"/> to ℝ^<paramref name="outputDimension"/>.</summary>
    protected ForwardOperator(int inputDimension, int outputDimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(inputDimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outputDimension);
        InputDimension = inputDimension;
        OutputDimension = outputDimension;
    }

    /// <summary>d: the parameter dimension.</summary>
    public int InputDimension { get; }

    /// <summary>m: the observation dimension.</summary>
    public int OutputDimension { get; }

    /// <summary>F(x) for x [d] (→ [m]) or a batch [n, d] (→ [n, m], rows independent).</summary>
    public Var Apply(Var x)
    {
        var s = x.Shape;
        if ((s.Rank != 1 && s.Rank != 2) || s[s.Rank - 1] != InputDimension)
        {
            throw new ArgumentException($"Expected [{InputDimension}] or [batch, {InputDimension}]; got shape {s}.", nameof(x));
        }

        var y = ApplyCore(x.Shape.Rank == 1 ? Ops.Reshape(x, Shape.Matrix(1, InputDimension)) : x);
        return x.Shape.Rank == 1 ? Ops.Reshape(y, Shape.Vector(OutputDimension)) : y;
    }

    /// <summary>F(x) for a checked batch [n, d]; the result must be [n, m].</summary>
    protected abstract Var ApplyCore(Var x);

    /// <summary>F(x) = A x for a fixed matrix A [m, d].</summary>
    public static ForwardOperator Linear(double[,] matrix) => new LinearOperator(matrix);

    /// <summary>F(x) = diag(<paramref name="diagonal"/>) x: observes each coordinate scaled (the §6 mixture problem's operator).</summary>
    public static ForwardOperator Diagonal(double[] diagonal) => new DiagonalOperator(diagonal);

    /// <summary>F written as batched tape code: [n, d] → [n, m], rows independent.</summary>
    public static ForwardOperator FromTape(int inputDimension, int outputDimension, Func<Var, Var> batched) => new TapeOperator(inputDimension, outputDimension, batched);

    /// <summary>
    /// F from an external solver (a PDE solve, a simulator) and its adjoint: recorded as one custom op per batch whose
    /// vector-Jacobian product calls <paramref name="adjoint"/> row by row. Both delegates may be called from several
    /// threads at once (one per chain) and must be safe for that.
    /// </summary>
    public static ForwardOperator FromSolver(int inputDimension, int outputDimension, SolverForward forward, SolverAdjoint adjoint, string name = "forward-solver") =>
        new SolverOperator(inputDimension, outputDimension, forward, adjoint, name);

    private sealed class LinearOperator : ForwardOperator
    {
        private readonly Tensor _transposed;

        public LinearOperator(double[,] matrix)
            : base(matrix?.GetLength(1) ?? throw new ArgumentNullException(nameof(matrix)), matrix.GetLength(0))
        {
            int m = OutputDimension, d = InputDimension;
            _transposed = new Tensor(Shape.Matrix(d, m));
            for (int i = 0; i < m; i++)
            {
                for (int j = 0; j < d; j++)
                {
                    if (!double.IsFinite(matrix[i, j]))
                    {
                        throw new ArgumentException($"The operator's entry [{i}, {j}] is not finite.", nameof(matrix));
                    }

                    _transposed[(j * m) + i] = matrix[i, j];
                }
            }
        }

        protected override Var ApplyCore(Var x) => Ops.MatMul(x, x.Tape.Constant(_transposed));
    }

    private sealed class DiagonalOperator : ForwardOperator
    {
        private readonly Tensor _diagonal;

        public DiagonalOperator(double[] diagonal)
            : base(diagonal?.Length ?? throw new ArgumentNullException(nameof(diagonal)), diagonal.Length)
        {
            if (diagonal.Any(v => !double.IsFinite(v)))
            {
                throw new ArgumentException("The diagonal must be finite.", nameof(diagonal));
            }

            _diagonal = Tensor.FromVector(diagonal.ToArray());
        }

        protected override Var ApplyCore(Var x) => x * x.Tape.Constant(_diagonal);
    }

    private sealed class TapeOperator(int inputDimension, int outputDimension, Func<Var, Var> batched) : ForwardOperator(inputDimension, outputDimension)
    {
        private readonly Func<Var, Var> _batched = batched ?? throw new ArgumentNullException(nameof(batched));

        protected override Var ApplyCore(Var x)
        {
            var y = _batched(x);
            if (y.Shape != Shape.Matrix(x.Shape[0], OutputDimension))
            {
                throw new InvalidOperationException($"The forward operator returned shape {y.Shape}; [{x.Shape[0]}, {OutputDimension}] expected.");
            }

            return y;
        }
    }

    private sealed class SolverOperator : ForwardOperator
    {
        private readonly CustomOp _op;

        public SolverOperator(int inputDimension, int outputDimension, SolverForward forward, SolverAdjoint adjoint, string name)
            : base(inputDimension, outputDimension)
        {
            ArgumentNullException.ThrowIfNull(forward);
            ArgumentNullException.ThrowIfNull(adjoint);
            int d = inputDimension, m = outputDimension;
            _op = new CustomOp(
                name,
                (in CustomOpInputs inputs, Span<double> y) =>
                {
                    ReadOnlySpan<double> x = inputs[0];
                    for (int r = 0; r < y.Length / m; r++)
                    {
                        forward(x.Slice(r * d, d), y.Slice(r * m, m));
                    }
                },
                (in CustomOpInputs inputs, ReadOnlySpan<double> y, ReadOnlySpan<double> g, in CustomOpGradients grads) =>
                {
                    if (!grads.IsRequired(0))
                    {
                        return;
                    }

                    ReadOnlySpan<double> x = inputs[0];
                    var gx = grads[0];
                    Span<double> row = d <= 256 ? stackalloc double[d] : new double[d];
                    for (int r = 0; r < g.Length / m; r++)
                    {
                        row.Clear();
                        adjoint(x.Slice(r * d, d), g.Slice(r * m, m), row);
                        System.Numerics.Tensors.TensorPrimitives.Add(gx.Slice(r * d, d), row, gx.Slice(r * d, d));
                    }
                });
        }

        protected override Var ApplyCore(Var x) => Ops.Custom(_op, Shape.Matrix(x.Shape[0], OutputDimension), x);
    }
}
