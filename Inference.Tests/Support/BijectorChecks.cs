using Inference.Transforms;
using MathNet.Numerics.LinearAlgebra;

namespace Inference.Tests.Support;

/// <summary>Checks shared by the constraint and flow conformance suites (both test Core's IBijector).</summary>
internal static class BijectorChecks
{
    /// <summary>inverse(forward(x)) = x to <paramref name="tolerance"/> (1e-10 by default) and the two log-Jacobians are opposite.</summary>
    public static void AssertRoundTrip(IBijector bijector, double[] x0, string label, double tolerance = 1e-10)
    {
        var tape = new Tape();
        var y = bijector.Forward(tape.Constant(x0), out var ldForward);
        var x1 = bijector.Inverse(y, out var ldInverse);
        for (int i = 0; i < x0.Length; i++)
        {
            Assert.True(Math.Abs(x1.Value[i] - x0[i]) <= tolerance * Math.Max(1, Math.Abs(x0[i])), $"{label}: x[{i}] {x0[i]:R} → {x1.Value[i]:R}");
        }

        Assert.Equal(-ldForward.Item, ldInverse.Item, tolerance * Math.Max(1, Math.Abs(ldForward.Item)));
    }

    /// <summary>
    /// The bijector's log|det J| at <paramref name="x0"/> against the brute-force log|det| of its AD Jacobian
    /// onto <paramref name="freeOutputs"/> (default: the first InputDimension outputs), by MathNet's LU, to 1e-8.
    /// </summary>
    public static void AssertLogDetMatchesBruteForce(IBijector bijector, double[] x0, string label, int[]? freeOutputs = null)
    {
        int n = bijector.InputDimension;
        var free = freeOutputs ?? Enumerable.Range(0, n).ToArray();
        Assert.Equal(n, free.Length);
        var full = Jacobian(bijector, x0, out double logDet);
        var jac = Matrix<double>.Build.Dense(n, n, (i, j) => full[free[i], j]);
        double bruteForce = Math.Log(Math.Abs(jac.Determinant()));
        Assert.True(Math.Abs(bruteForce - logDet) <= 1e-8 * Math.Max(1, Math.Abs(bruteForce)), $"{label}: log|det| {logDet:R} vs brute force {bruteForce:R}");
    }

    /// <summary>
    /// The AD Jacobian J[i, j] = ∂yᵢ/∂xⱼ of the bijector's forward map at <paramref name="x0"/> (one backward pass
    /// per output), with the log|det J| it reports there.
    /// </summary>
    public static double[,] Jacobian(IBijector bijector, double[] x0, out double logAbsDetJacobian)
    {
        var tape = new Tape();
        var x = tape.Variable(x0);
        var y = bijector.Forward(x, out var logDet);
        logAbsDetJacobian = logDet.Item;
        int outputs = bijector.OutputDimension;
        var jac = new double[outputs, x0.Length];
        var seed = new double[outputs];
        for (int i = 0; i < outputs; i++)
        {
            Array.Clear(seed);
            seed[i] = 1;
            tape.Backward(y, seed);
            for (int j = 0; j < x0.Length; j++)
            {
                jac[i, j] = x.Grad[j];
            }
        }

        return jac;
    }
}
