using Inference.Autodiff;

namespace Inference.Transforms.Bijectors;

/// <summary>
/// Stick-breaking onto the K-simplex from ℝ^{K−1} (Stan's transform): zₖ = σ(xₖ − log(K − k)),
/// yₖ = (1 − Σ_{j&lt;k} yⱼ)·zₖ for k &lt; K, y_K the remainder;
/// log|J| = Σₖ log zₖ + log(1 − zₖ) + log(1 − Σ_{j&lt;k} yⱼ). x = 0 maps to the uniform simplex.
/// </summary>
public sealed class SimplexBijector : EventBijector
{
    private readonly double[] _offsets;

    /// <summary>Creates the transform onto the simplex with <paramref name="categories"/> (K ≥ 2) entries.</summary>
    public SimplexBijector(int categories)
        : base(CheckCategories(categories) - 1, categories)
    {
        _offsets = new double[categories - 1];
        for (int k = 0; k < categories - 1; k++)
        {
            _offsets[k] = -Math.Log(categories - 1 - k);
        }
    }

    private static int CheckCategories(int categories)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(categories, 2);
        return categories;
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var t = x.Tape;
        var shifted = x + t.Constant(_offsets);
        var logZ = Ops.LogSigmoid(shifted);
        var log1mZ = Ops.LogSigmoid(-shifted);
        // log of the stick left before break k: exclusive cumulative sum of log(1 − z)
        var cum = Ops.CumSum(log1mZ);
        var logRemaining = cum - log1mZ;
        var logY = logZ + logRemaining;
        logAbsDetJacobian = EventSum(logZ + log1mZ + logRemaining);
        int km1 = InputDimension;
        var last = Ops.Slice(cum, km1 - 1, 1);
        return Ops.Exp(Ops.Concat([logY, last]));
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        int km1 = InputDimension;
        var head = Ops.Slice(y, 0, km1);
        // remaining stick before break k: 1 − Σ_{j<k} yⱼ
        var remaining = 1.0 - (Ops.CumSum(head) - head);
        var logRemaining = Ops.Log(remaining);
        var logY = Ops.Log(head);
        var logZ = logY - logRemaining;
        var log1mZ = Ops.Log(remaining - head) - logRemaining;
        var x = logZ - log1mZ - y.Tape.Constant(_offsets);
        logAbsDetJacobian = -EventSum(logZ + log1mZ + logRemaining);
        return x;
    }
}
