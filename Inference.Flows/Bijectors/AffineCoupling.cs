using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Randomness;

namespace Inference.Flows.Bijectors;

/// <summary>
/// RealNVP affine coupling (Dinh et al. 2017): the coordinates of one parity pass unchanged and condition an
/// MLP that scales and shifts the others: y_B = x_B ⊙ exp(s) + t with (s, t) = NN(x_A) and
/// s = c ⊙ tanh(h) for stability. log|J| = Σ s. The network's last layer starts at zero, so the layer starts
/// as the identity.
/// </summary>
public sealed class AffineCoupling : FlowBijector
{
    private readonly double[] _keep;
    private readonly double[] _change;
    private readonly Mlp _net;

    /// <summary>
    /// Creates the layer on ℝ^<paramref name="dimension"/> (≥ 2); coordinates with index parity
    /// <paramref name="parity"/> pass unchanged.
    /// </summary>
    public AffineCoupling(int dimension, IReadOnlyList<int> hidden, Rng rng, int parity = 0, Activation activation = Activation.Tanh)
        : base(CheckDimension(dimension))
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(rng);
        _keep = new double[dimension];
        _change = new double[dimension];
        for (int i = 0; i < dimension; i++)
        {
            _keep[i] = i % 2 == parity ? 1 : 0;
            _change[i] = 1 - _keep[i];
        }

        Hidden = hidden.ToArray();
        Parity = parity;
        Activation = activation;
        _net = RegisterModule("net", new Mlp(dimension, hidden, 2 * dimension, rng, activation, zeroInitLast: true));
        var c = new Tensor(Shape.Vector(dimension));
        c.Span.Fill(1);
        ScaleBound = RegisterParameter("scale_bound", c);
    }

    /// <summary>Hidden widths of the conditioner.</summary>
    public IReadOnlyList<int> Hidden { get; }

    /// <summary>Index parity of the coordinates that pass unchanged.</summary>
    public int Parity { get; }

    /// <summary>The conditioner's activation.</summary>
    public Activation Activation { get; }

    /// <summary>c in s = c ⊙ tanh(h).</summary>
    public Parameter ScaleBound { get; }

    private static int CheckDimension(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 2);
        return dimension;
    }

    private (Var LogScale, Var Shift) Conditioner(Var passed)
    {
        var t = passed.Tape;
        var input = passed.Shape.Rank == 1 ? Ops.Reshape(passed, Shape.Matrix(1, Dimension)) : passed;
        var h = _net.Forward(input);
        var change = t.Constant(_change);
        var logScale = ScaleBound.On(t) * Ops.Tanh(Ops.Slice(h, 0, Dimension)) * change;
        var shift = Ops.Slice(h, Dimension, Dimension) * change;
        if (passed.Shape.Rank == 1)
        {
            logScale = Ops.Reshape(logScale, Shape.Vector(Dimension));
            shift = Ops.Reshape(shift, Shape.Vector(Dimension));
        }

        return (logScale, shift);
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var (logScale, shift) = Conditioner(x * x.Tape.Constant(_keep));
        logAbsDetJacobian = EventSum(logScale);
        return (x * Ops.Exp(logScale)) + shift;
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        // the passed coordinates are unchanged, so the conditioner sees the same input
        var (logScale, shift) = Conditioner(y * y.Tape.Constant(_keep));
        logAbsDetJacobian = -EventSum(logScale);
        return (y - shift) * Ops.Exp(-logScale);
    }
}
