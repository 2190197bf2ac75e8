using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Randomness;

namespace Inference.Flows.Bijectors;

/// <summary>Which direction of an autoregressive layer is the single network pass.</summary>
public enum AutoregressiveDirection
{
    /// <summary>
    /// IAF (Kingma et al. 2016): sampling x = T(z) is one pass, the conditioner reads z; log q of an outside
    /// point needs D passes. The choice for reverse KL (VI) and NeuTra.
    /// </summary>
    Inverse,

    /// <summary>
    /// MAF (Papamakarios et al. 2017): the density direction z = T⁻¹(x) is one pass, the conditioner reads x;
    /// sampling needs D passes. The choice for density estimation (forward KL).
    /// </summary>
    Masked,
}

/// <summary>
/// An autoregressive flow layer: each coordinate is transformed elementwise by a monotone map whose
/// parameters come from a <see cref="Made"/> network of the coordinates before it. Subclasses give the
/// elementwise map (affine, spline); this class handles the two directions. The sequential direction runs the
/// network D times: pass k fixes coordinate k from the exact coordinates before it, the later ones are held at 0
/// (a not-yet-solved coordinate could be extreme, and the masked product would turn its overflow into NaN
/// everywhere), so D passes give the exact inverse and the result stays differentiable.
/// </summary>
public abstract class AutoregressiveFlow : FlowBijector
{
    private readonly Made _made;
    private readonly Lock _gate = new();
    private readonly Dictionary<int, bool[][]> _solvedMasks = [];

    /// <summary>
    /// Creates the layer with a MADE conditioner of <paramref name="parametersPerDimension"/> outputs per coordinate;
    /// its output layer starts at zero when <paramref name="zeroInitLast"/> (so that the subclass can start as the
    /// identity), otherwise with PyTorch's default initialization, as in nflows.
    /// </summary>
    protected AutoregressiveFlow(int dimension, IReadOnlyList<int> hidden, int parametersPerDimension, Rng rng, AutoregressiveDirection direction, Activation activation, bool zeroInitLast = true, int contextDimension = 0)
        : base(dimension, contextDimension)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(rng);
        if (!Enum.IsDefined(direction))
        {
            throw new ArgumentOutOfRangeException(nameof(direction), direction, "Unknown direction.");
        }

        Direction = direction;
        _made = RegisterModule("made", new Made(dimension, hidden, parametersPerDimension, rng, activation, zeroInitLast, contextDimension));
    }

    /// <summary>Which direction is the single pass.</summary>
    public AutoregressiveDirection Direction { get; }

    /// <summary>The conditioner's hidden widths.</summary>
    public IReadOnlyList<int> Hidden => _made.Hidden;

    /// <summary>The conditioner's activation.</summary>
    public Activation Activation => _made.ActivationFunction;

    /// <inheritdoc/>
    public override bool HasAnalyticInverse => true;

    /// <summary>The conditioner's outputs as [batch, D, P] for a condition [batch, D] (and the context rows of a conditional layer).</summary>
    protected Var Conditioner(Var condition, Var context)
    {
        var h = _made.Forward(condition, context);
        return Ops.Reshape(h, Shape.Of(condition.Shape[0], Dimension, _made.ParametersPerDimension));
    }

    /// <summary>The elementwise map y = τ(x; θ) for x [batch, D] and θ [batch, D, P], with log|τ'| summed per row.</summary>
    protected abstract Var Transform(Var x, Var parameters, out Var logAbsDetJacobian);

    /// <summary>The inverse elementwise map x = τ⁻¹(y; θ), with log|dx/dy| summed per row.</summary>
    protected abstract Var InverseTransform(Var y, Var parameters, out Var logAbsDetJacobian);

    // v = τ(input; θ(v)) (or τ⁻¹) coordinate by coordinate: after pass k coordinates 0…k are exact, the rest 0
    private Var Solve(Var input, Var context, bool inverse, out Var logAbsDetJacobian)
    {
        var masks = SolvedMasks(input.Shape[0]);
        var v = Ops.Where(masks[0], input, 0.0); // coordinate 0 is conditioned on nothing, so its start value is unused
        logAbsDetJacobian = default;
        for (int pass = 0; pass < Dimension; pass++)
        {
            var parameters = Conditioner(v, context);
            var next = inverse ? InverseTransform(input, parameters, out logAbsDetJacobian) : Transform(input, parameters, out logAbsDetJacobian);
            v = pass == Dimension - 1 ? next : Ops.Where(masks[pass], next, 0.0);
        }

        return v;
    }

    // masks[k][row·D + i] = i ≤ k, per batch size (read by Where, never changed)
    private bool[][] SolvedMasks(int rows)
    {
        lock (_gate)
        {
            if (!_solvedMasks.TryGetValue(rows, out var masks))
            {
                int d = Dimension;
                masks = new bool[d][];
                for (int k = 0; k < d; k++)
                {
                    masks[k] = new bool[rows * d];
                    for (int r = 0; r < rows; r++)
                    {
                        masks[k].AsSpan((r * d), k + 1).Fill(true);
                    }
                }

                _solvedMasks[rows] = masks;
            }

            return masks;
        }
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian) => Apply(x, default, inverse: false, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian) => Apply(y, default, inverse: true, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, Var context, out Var logAbsDetJacobian) => Apply(x, context, inverse: false, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, Var context, out Var logAbsDetJacobian) => Apply(y, context, inverse: true, out logAbsDetJacobian);

    // one network pass when the conditioner reads this direction's input (IAF forward, MAF inverse); otherwise the
    // coordinate-by-coordinate solve (MAF sampling: y = τ(x; θ(y)); IAF density: y = τ(x; θ(x)))
    private Var Apply(Var v, Var context, bool inverse, out Var logAbsDetJacobian)
    {
        var input = CouplingSplit.AsBatch(v);
        var rows = IsConditional ? ContextRows(context, input) : default;
        bool onePass = (Direction == AutoregressiveDirection.Inverse) != inverse;
        var result = !onePass
            ? Solve(input, rows, inverse, out logAbsDetJacobian)
            : inverse
                ? InverseTransform(input, Conditioner(input, rows), out logAbsDetJacobian)
                : Transform(input, Conditioner(input, rows), out logAbsDetJacobian);
        logAbsDetJacobian = CouplingSplit.ScalarIfEvent(logAbsDetJacobian, v);
        return CouplingSplit.LikeInput(result, v);
    }
}
