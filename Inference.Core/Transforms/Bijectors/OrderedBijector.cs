using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>
/// Onto increasing vectors: y₁ = x₁, yₖ = yₖ₋₁ + exp(xₖ); log|J| = Σ_{k≥2} xₖ. With
/// <c>positive: true</c>, y₁ = exp(x₁) as well (positive-ordered) and log|J| = Σ xₖ.
/// </summary>
public sealed class OrderedBijector : EventBijector
{
    private readonly bool[] _expMask;

    /// <summary>Creates the ordered (or, with <paramref name="positive"/>, positive-ordered) transform.</summary>
    public OrderedBijector(int dimension, bool positive = false)
        : base(dimension, dimension)
    {
        Positive = positive;
        _expMask = new bool[dimension];
        for (int k = 0; k < dimension; k++)
        {
            _expMask[k] = positive || k > 0;
        }
    }

    /// <summary>Whether the first element is also positive.</summary>
    public bool Positive { get; }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var mask = Mask(x.Shape);
        var increments = Ops.Where(mask, Ops.Exp(x), x);
        logAbsDetJacobian = EventSum(Ops.Where(mask, x, 0.0));
        return Ops.CumSum(increments);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        int n = OutputDimension;
        // differences d₁ = y₁, dₖ = yₖ − yₖ₋₁; x = log d where the forward took exp.
        Var diffs;
        if (n == 1)
        {
            diffs = y;
        }
        else
        {
            var tail = Ops.Slice(y, 1, n - 1) - Ops.Slice(y, 0, n - 1);
            diffs = Ops.Concat([Ops.Slice(y, 0, 1), tail]);
        }

        var mask = Mask(y.Shape);
        var safe = Ops.Where(mask, diffs, 1.0);
        var x = Ops.Where(mask, Ops.Log(safe), diffs);
        logAbsDetJacobian = -EventSum(Ops.Where(mask, x, 0.0));
        return x;
    }

    private bool[] Mask(Shape shape)
    {
        if (shape.Rank == 1)
        {
            return _expMask;
        }

        // a batch: the same mask on every row (built per call; batches are not a hot path for constraints)
        var mask = new bool[shape.Length];
        for (int i = 0; i < mask.Length; i++)
        {
            mask[i] = _expMask[i % _expMask.Length];
        }

        return mask;
    }
}
