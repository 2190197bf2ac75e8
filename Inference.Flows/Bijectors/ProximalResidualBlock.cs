using System.Globalization;
using MathNet.Numerics.LinearAlgebra;
using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Flows.Serialization;
using Inference.Randomness;

namespace Inference.Flows.Bijectors;

/// <summary>The scalar proximity operators a proximal residual block may use (each non-decreasing and 1-Lipschitz).</summary>
public enum ProximalActivation
{
    /// <summary>ELU (α = 1), the default of Hertrich's code.</summary>
    Elu,

    /// <summary>tanh.</summary>
    Tanh,
}

/// <summary>
/// A proximal residual block (Hertrich 2023, arXiv 2211.17158): T(x) = x + γΦ(x), with Φ = φ_K ∘ … ∘ φ₁ a proximal
/// neural network, φ(u) = Aᵀσ(Au + b) with A on the Stiefel manifold (‖A‖₂ ≤ 1) and σ a proximity operator. Φ is then
/// t-averaged, t = K/(K + 1), and T is invertible when γ(2t − 1) &lt; 1, which the constructor checks (γ &lt; 2 for
/// K = 3). Writing T = κ(I + M), κ = 1 + γ(1 − t), ‖M‖₂ ≤ c = γt/κ &lt; 1: the inverse is the Banach iteration, the
/// log-determinant exact or the rescaled power series in M (see <see cref="InvertibleResidual"/>).
/// </summary>
/// <remarks>
/// As in Hertrich's code: a learned per-block scale Φₐ(x) = Φ(eᵃx)/eᵃ (a starts at 2); "reproduce" r, Φ applied to the
/// r-fold tiled input with the outputs averaged over the copies; and a conditional form q(x | y) whose PNN reads
/// [tiled x; c(y)] with c a small ReLU network, the output cut to the x coordinates. The weights are kept orthogonal by
/// Newton–Schulz steps Y ← Y(3I − YᵀY)/2 before each use (singular values s ↦ s(3 − s²)/2 ≤ 1 for s ≤ 2, so the
/// projected A never exceeds norm 1; a Y that has strayed that far is rescaled first) and a soft penalty ‖YᵀY − I‖²_F
/// (<see cref="FlowBijector.Penalty"/>); ‖A‖₂ ≤ 1 + 10⁻⁶ is asserted whenever the block is evaluated. The PNN is
/// composed through the products Cₗ = AₗAₗ₋₁ᵀ, so every activation and Jacobian block is [batch, hidden] wide whatever
/// the tiled width.
/// </remarks>
public sealed class ProximalResidualBlock : InvertibleResidual, ISerializableFlowLayer<ProximalResidualBlock>
{
    private const int ProjectionSteps = 4;

    private readonly Modules.Parameter[] _y;
    private readonly Modules.Parameter[] _b;
    private readonly Mlp? _condition;
    private readonly double[] _untile;
    private readonly double[] _tile;

    /// <summary>
    /// Creates the block on ℝ^<paramref name="dimension"/> with <paramref name="layers"/> PNN layers of
    /// <paramref name="hidden"/> units each; <paramref name="reproduce"/> tiles the input; a positive
    /// <paramref name="contextDimension"/> makes it conditional (c(y) a ReLU network of <paramref name="conditionHidden"/> units).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">γ is at or past the invertibility bound 1/(2t − 1), or another size is invalid.</exception>
    public ProximalResidualBlock(int dimension, int hidden, Rng rng, int layers = 3, double gamma = 1.5, int reproduce = 1, ProximalActivation activation = ProximalActivation.Elu, double initialScale = 2, int contextDimension = 0, int conditionHidden = 64, ResidualLogDet logDet = ResidualLogDet.Exact)
        : base(dimension, contextDimension, logDet, (rng ?? throw new ArgumentNullException(nameof(rng))).NextUInt64())
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(hidden);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(reproduce);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(conditionHidden);
        if (!Enum.IsDefined(activation))
        {
            throw new ArgumentOutOfRangeException(nameof(activation), activation, "Unknown activation.");
        }

        if (!double.IsFinite(initialScale))
        {
            throw new ArgumentOutOfRangeException(nameof(initialScale), initialScale, "The initial log-scale must be finite.");
        }

        CheckGamma(gamma, layers);
        Hidden = hidden;
        Layers = layers;
        GammaValue = gamma;
        Reproduce = reproduce;
        Activation = activation;
        ConditionHidden = conditionHidden;
        int width = InputWidth;
        _y = new Modules.Parameter[layers];
        _b = new Modules.Parameter[layers];
        for (int l = 0; l < layers; l++)
        {
            _y[l] = RegisterParameter($"layers.{l}.weight", Orthogonal(hidden, width, rng));
            _b[l] = RegisterParameter($"layers.{l}.bias", new Tensor(Shape.Vector(hidden)));
        }

        LogScale = RegisterParameter("log_scale", new Tensor([initialScale], Shape.Vector(1)));
        if (contextDimension > 0)
        {
            _condition = RegisterModule("condition", new Mlp(contextDimension, [conditionHidden], contextDimension, rng, Modules.Activation.Relu));
        }

        // the tiling [x; …; x] and the average over the copies, as [d, r·d] and [r·d, d] matrices
        int d = dimension, r = reproduce;
        _tile = new double[d * r * d];
        _untile = new double[r * d * d];
        for (int k = 0; k < r; k++)
        {
            for (int i = 0; i < d; i++)
            {
                _tile[(i * r * d) + (k * d) + i] = 1;
                _untile[(((k * d) + i) * d) + i] = 1.0 / r;
            }
        }
    }

    /// <summary>Units per PNN layer.</summary>
    public int Hidden { get; }

    /// <summary>K: the number of PNN layers.</summary>
    public int Layers { get; }

    /// <summary>r: copies of the input the PNN reads.</summary>
    public int Reproduce { get; }

    /// <summary>σ.</summary>
    public ProximalActivation Activation { get; }

    /// <summary>Hidden units of the condition network c(y).</summary>
    public int ConditionHidden { get; }

    /// <summary>γ.</summary>
    public double GammaValue { get; }

    /// <summary>a in Φₐ(x) = Φ(eᵃx)/eᵃ.</summary>
    public Modules.Parameter LogScale { get; }

    /// <summary>t = K/(K + 1): Φ is t-averaged.</summary>
    public double Averagedness => Layers / (Layers + 1.0);

    /// <inheritdoc/>
    public override double ContractionBound => GammaValue * Averagedness / Kappa;

    /// <inheritdoc/>
    protected override double Gamma => GammaValue;

    /// <inheritdoc/>
    protected override double Kappa => 1 + (GammaValue * (1 - Averagedness));

    /// <inheritdoc/>
    protected override int WidestLayer => Hidden;

    // r·d + context: the width the PNN acts on
    private int InputWidth => (Reproduce * Dimension) + ContextDimension;

    /// <summary>Checks γ against the invertibility bound γ(2t − 1) &lt; 1 (exclusive), i.e. γ(K − 1) &lt; K + 1.</summary>
    public static void CheckGamma(double gamma, int layers)
    {
        double t = layers / (layers + 1.0);
        // in integers, so that the bound itself (γ = 3 for K = 2) is not let through by rounding
        double bound = layers == 1 ? double.PositiveInfinity : (layers + 1.0) / (layers - 1.0);
        if (!(gamma > 0) || !double.IsFinite(gamma) || gamma * (layers - 1) >= layers + 1)
        {
            throw new ArgumentOutOfRangeException(nameof(gamma), gamma, string.Create(CultureInfo.InvariantCulture, $"γ must lie in (0, {bound:G6}): with K = {layers} PNN layers (t = {t:G4}) the block x + γΦ(x) is invertible only for γ(2t − 1) < 1, and at the bound it is singular."));
        }
    }

    /// <summary>The number of values a block of these sizes holds.</summary>
    public static long CountParameters(long dimension, long hidden, long layers, long reproduce, long contextDimension, int conditionHidden)
    {
        try
        {
            checked
            {
                long width = (reproduce * dimension) + contextDimension;
                long count = (layers * ((hidden * width) + hidden)) + 1;
                return contextDimension > 0 ? count + Mlp.CountParameters(contextDimension, [conditionHidden], contextDimension) : count;
            }
        }
        catch (OverflowException)
        {
            return long.MaxValue;
        }
    }

    /// <inheritdoc/>
    public static string TypeName => "proximal-residual";

    /// <inheritdoc/>
    public static ProximalResidualBlock Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        int hidden = reader.Integer("hidden", 1);
        int layers = reader.Integer("layers", 1, 1 << 10);
        double gamma = reader.Number("gamma");
        int reproduce = reader.Integer("reproduce", 1);
        var activation = reader.Enum<ProximalActivation>("activation");
        var logDet = reader.Enum<ResidualLogDet>("log_det");
        int context = reader.OptionalInteger("context", 0, 0, int.MaxValue);
        int conditionHidden = reader.OptionalInteger("condition_hidden", 64, 1, int.MaxValue);
        return reader.Create(CountParameters(d, hidden, layers, reproduce, context, conditionHidden), () => new ProximalResidualBlock(d, hidden, reader.Rng, layers, gamma, reproduce, activation, 0, context, conditionHidden, logDet));
    }

    /// <inheritdoc/>
    protected internal override void WriteConfiguration(FlowLayerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Integer("hidden", Hidden);
        writer.Integer("layers", Layers);
        writer.Number("gamma", GammaValue);
        writer.Integer("reproduce", Reproduce);
        writer.Enum("activation", Activation);
        writer.Enum("log_det", LogDetMethod);
        if (IsConditional)
        {
            writer.Integer("context", ContextDimension);
            writer.Integer("condition_hidden", ConditionHidden);
        }
    }

    /// <inheritdoc/>
    public override Var Penalty(Tape tape)
    {
        ArgumentNullException.ThrowIfNull(tape);
        Var total = default;
        foreach (var y in _y)
        {
            var v = y.On(tape);
            bool tall = Hidden >= InputWidth;
            var gram = tall ? Ops.MatMul(Ops.Transpose(v), v) : Ops.MatMul(v, Ops.Transpose(v));
            int q = gram.Shape[0];
            var term = Ops.Sum(Ops.Square(gram - tape.Constant(Identity(q), Shape.Matrix(q, q))));
            total = total.Tape is null ? term : total + term;
        }

        return total;
    }

    /// <summary>
    /// The weights projected onto the Stiefel manifold by <paramref name="steps"/> Newton–Schulz steps, written back
    /// into the parameters (after training: then the 4 steps of each use change nothing).
    /// </summary>
    public void ProjectWeights(int steps = 40)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(steps);
        var tape = new Tape();
        using var scope = tape.NoGrad();
        foreach (var y in _y)
        {
            var a = Project(tape.Constant(y.Value), steps);
            a.Value.CopyTo(y.Value.Data);
        }
    }

    /// <summary>The spectral norm of each projected weight as a pass would use it (for checks).</summary>
    public double[] ProjectedSpectralNorms()
    {
        var tape = new Tape();
        using var scope = tape.NoGrad();
        return _y.Select(y => Matrix<double>.Build.DenseOfRowMajor(Hidden, InputWidth, Project(tape.Constant(y.Value), ProjectionSteps).Value.ToArray()).L2Norm()).ToArray();
    }

    // weights of one pass: A₁ folded with the tiling [n, d], A₁'s context columns [n, C], Cₗ = AₗAₗ₋₁ᵀ [n, n] for
    // l ≥ 2, A_K folded with the average over copies [n, d], the biases, and the scale eᵃ
    /// <inheritdoc/>
    protected override Var[] PrepareWeights(Tape tape, bool training)
    {
        int d = Dimension, rd = Reproduce * Dimension, k = Layers;
        var a = new Var[k];
        for (int l = 0; l < k; l++)
        {
            a[l] = Project(_y[l].On(tape), ProjectionSteps);
            if (!training)
            {
                AssertContraction(a[l], l);
            }
        }

        var weights = new Var[k + 4];
        var tile = tape.Constant(_tile, Shape.Matrix(d, rd));
        var first = Ops.Slice(a[0], 0, rd);
        weights[0] = Ops.MatMul(first, Ops.Transpose(tile)); // [n, d]: column i sums A₁'s columns of the copies of coordinate i
        weights[1] = IsConditional ? Ops.Slice(a[0], rd, ContextDimension) : tape.Zeros(Shape.Matrix(Hidden, 1));
        for (int l = 1; l < k; l++)
        {
            weights[1 + l] = Ops.MatMul(a[l], Ops.Transpose(a[l - 1]));
        }

        weights[k + 1] = Ops.MatMul(Ops.Slice(a[k - 1], 0, rd), tape.Constant(_untile, Shape.Matrix(rd, d)));
        weights[k + 2] = Ops.Exp(LogScale.On(tape));
        weights[k + 3] = Ops.Concat(_b.Select(b => b.On(tape)).ToArray());
        return weights;
    }

    /// <inheritdoc/>
    protected override ResidualPass Evaluate(Var[] weights, Var x, Var context)
    {
        int k = Layers, n = Hidden;
        var scale = Ops.Reshape(weights[k + 2], Shape.Scalar);
        var biases = weights[k + 3];
        var derivatives = new Var[k];
        // a₁ = A₁ [tile(eᵃx); c(y)] + b₁, then aₗ = Cₗσₗ₋₁ + bₗ: the [r·d + C]-wide input never materializes
        var pre = Ops.Linear(x * scale, weights[0], Ops.Slice(biases, 0, n));
        if (IsConditional)
        {
            pre += Ops.MatMul(_condition!.Forward(context), Ops.Transpose(weights[1]));
        }

        Var s = default;
        for (int l = 0; l < k; l++)
        {
            if (l > 0)
            {
                pre = Ops.Linear(s, weights[1 + l], Ops.Slice(biases, l * n, n));
            }

            (s, derivatives[l]) = Activate(pre);
        }

        var output = Ops.MatMul(s, weights[k + 1]) / scale;
        return new ResidualPass(output, v => Jvp(weights, derivatives, v));
    }

    // J_Φ·v through the layers (the scale cancels): ((v·A₁ₜᵀ ⊙ σ₁′)·C₂ᵀ ⊙ σ₂′ …)·A_Kᵤ
    private Var Jvp(Var[] weights, Var[] derivatives, Var directions)
    {
        int k = Layers;
        bool many = directions.Shape.Rank == 3;
        var t = directions;
        for (int l = 0; l < k; l++)
        {
            t = Ops.MatMul(t, Ops.Transpose(weights[l == 0 ? 0 : 1 + l]));
            var d = derivatives[l];
            t *= many ? Ops.Reshape(d, Shape.Of(d.Shape[0], 1, d.Shape[1])) : d;
        }

        return Ops.MatMul(t, weights[k + 1]);
    }

    private (Var Value, Var Derivative) Activate(Var a)
    {
        if (Activation == ProximalActivation.Tanh)
        {
            var th = Ops.Tanh(a);
            return (th, 1 - Ops.Square(th));
        }

        return (Ops.Elu(a), Ops.Exp(Ops.Clamp(a, double.NegativeInfinity, 0)));
    }

    /// <summary>
    /// Newton–Schulz steps Z ← Z(3I − ZᵀZ)/2 on the tall orientation of Y (singular values s ↦ s(3 − s²)/2 → 1, never
    /// above 1 for s ≤ 2); a Y with ‖YᵀY‖∞ ≥ 4 (so possibly s ≥ 2) is first divided by √‖YᵀY‖∞.
    /// </summary>
    private static Var Project(Var y, int steps)
    {
        bool tall = y.Shape[0] >= y.Shape[1];
        var z = tall ? y : Ops.Transpose(y);
        int q = z.Shape[1];
        var identity3 = z.Tape.Constant(Identity(q), Shape.Matrix(q, q)) * 3.0;
        for (int step = 0; step < steps; step++)
        {
            var gram = Ops.MatMul(Ops.Transpose(z), z);
            if (step == 0)
            {
                double bound = InfinityNorm(gram.Value, q);
                if (bound >= 4)
                {
                    z *= 1 / Math.Sqrt(bound);
                    gram = Ops.MatMul(Ops.Transpose(z), z);
                }
            }

            z = Ops.MatMul(z, identity3 - gram) * 0.5;
        }

        return tall ? z : Ops.Transpose(z);
    }

    // ‖A‖₂ ≤ 1 + 1e-6 before use: ‖A‖₂² = λmax(AᵀA) ≤ ‖AᵀA‖∞, with the exact eigenvalue when that bound is not enough
    private static void AssertContraction(Var a, int layer)
    {
        bool tall = a.Shape[0] >= a.Shape[1];
        var m = Matrix<double>.Build.DenseOfRowMajor(a.Shape[0], a.Shape[1], a.Value.ToArray());
        var gram = tall ? m.TransposeThisAndMultiply(m) : m.TransposeAndMultiply(m);
        const double Limit = (1 + 1e-6) * (1 + 1e-6);
        if (InfinityNorm(gram.ToRowMajorArray(), gram.RowCount) <= Limit)
        {
            return;
        }

        double largest = gram.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric).EigenValues.Max(e => e.Real);
        if (largest > Limit)
        {
            throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Proximal residual block: the projected weight of PNN layer {layer} has ‖A‖₂ = {Math.Sqrt(largest):R} > 1 + 1e-6, so the block need not be invertible."));
        }
    }

    private static double InfinityNorm(ReadOnlySpan<double> m, int n)
    {
        double worst = 0;
        for (int i = 0; i < n; i++)
        {
            double row = 0;
            for (int j = 0; j < n; j++)
            {
                row += Math.Abs(m[(i * n) + j]);
            }

            worst = Math.Max(worst, row);
        }

        return worst;
    }

    private static double[] Identity(int n)
    {
        var eye = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            eye[(i * n) + i] = 1;
        }

        return eye;
    }

    // a random matrix with orthonormal columns (or rows, when wide), as Keras' orthogonal initializer
    private static Tensor Orthogonal(int rows, int columns, Rng rng)
    {
        bool tall = rows >= columns;
        int p = tall ? rows : columns, q = tall ? columns : rows;
        var g = Matrix<double>.Build.Dense(p, q, (_, _) => rng.Normal());
        var qr = g.QR(MathNet.Numerics.LinearAlgebra.Factorization.QRMethod.Thin);
        var basis = qr.Q;
        for (int j = 0; j < q; j++)
        {
            if (qr.R[j, j] < 0)
            {
                basis.SetColumn(j, basis.Column(j).Negate());
            }
        }

        var result = new Tensor(Shape.Matrix(rows, columns));
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
            {
                result[(i * columns) + j] = tall ? basis[i, j] : basis[j, i];
            }
        }

        return result;
    }
}
