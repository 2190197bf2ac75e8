using Inference.Autodiff;

namespace Inference.Flows.Bijectors;

/// <summary>Reverses the order of the coordinates (between coupling or autoregressive layers); log|J| = 0.</summary>
public sealed class ReversePermutation : FlowBijector
{
    private readonly int[] _index;

    /// <summary>Creates the layer on ℝ^<paramref name="dimension"/>.</summary>
    public ReversePermutation(int dimension)
        : base(dimension)
    {
        _index = Enumerable.Range(0, dimension).Reverse().ToArray();
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        logAbsDetJacobian = EventSum(x * 0.0);
        return Ops.Gather(x, _index);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        logAbsDetJacobian = EventSum(y * 0.0);
        return Ops.Gather(y, _index);
    }
}
