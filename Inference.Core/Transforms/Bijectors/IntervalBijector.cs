using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>y = a + (b − a)·σ(x) onto (a, b); log|J| = Σ log(b − a) + log σ(x) + log σ(−x).</summary>
public sealed class IntervalBijector : EventBijector
{
    /// <summary>Creates the transform onto (<paramref name="lower"/>, <paramref name="upper"/>).</summary>
    public IntervalBijector(int dimension, double lower, double upper)
        : base(dimension, dimension)
    {
        if (!double.IsFinite(lower) || !double.IsFinite(upper) || !(lower < upper))
        {
            throw new ArgumentException($"The interval needs finite bounds with lower < upper; got ({lower}, {upper}).", nameof(lower));
        }

        Lower = lower;
        Upper = upper;
    }

    /// <summary>The bound a.</summary>
    public double Lower { get; }

    /// <summary>The bound b.</summary>
    public double Upper { get; }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        double width = Upper - Lower;
        logAbsDetJacobian = EventSum(Ops.LogSigmoid(x) + Ops.LogSigmoid(-x) + Math.Log(width));
        return (Ops.Sigmoid(x) * width) + Lower;
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        // x = logit((y − a)/(b − a)) = log(y − a) − log(b − y)
        var la = Ops.Log(y - Lower);
        var lb = Ops.Log(Upper - y);
        var x = la - lb;
        // log|dx/dy| = log(b − a) − log(y − a) − log(b − y)
        logAbsDetJacobian = EventSum(Math.Log(Upper - Lower) - la - lb);
        return x;
    }
}
