using MathNet.Numerics.LinearAlgebra;

namespace Inference.Tests.Autodiff;

/// <summary>LogAbsDet and Solve against MathNet, including matrices that need row pivoting and a singular one.</summary>
public class LinearAlgebraOpTests
{
    private static double[] RandomMatrix(int seed, int n)
    {
        var a = TestData.Uniform(new Random(seed), Shape.Matrix(n, n), -2, 2).Data;
        a[0] = 0; // the first pivot must come from another row
        return a;
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(2, 3)]
    [InlineData(3, 6)]
    [InlineData(4, 17)]
    public void LogAbsDet_MatchesMathNet_ForEachMatrixOfABatch(int seed, int n)
    {
        var tape = new Tape();
        var matrices = Enumerable.Range(0, 3).Select(k => RandomMatrix(seed + (10 * k), n)).ToArray();
        if (n == 1)
        {
            matrices[0][0] = -0.5;
        }

        var batch = Ops.LogAbsDet(tape.Constant(matrices.SelectMany(m => m).ToArray(), Shape.Of(3, n, n)));
        for (int k = 0; k < 3; k++)
        {
            double expected = Math.Log(Math.Abs(Matrix<double>.Build.DenseOfRowMajor(n, n, matrices[k]).Determinant()));
            Assert.Equal(expected, batch.Value[k], 1e-10);
            Assert.Equal(expected, Ops.LogAbsDet(tape.Constant(matrices[k], Shape.Matrix(n, n))).Item, 1e-10);
        }
    }

    [Fact]
    public void LogAbsDet_OfASingularMatrix_IsMinusInfinity()
    {
        var tape = new Tape();
        Assert.Equal(double.NegativeInfinity, Ops.LogAbsDet(tape.Constant([1.0, 2, 2, 4], Shape.Matrix(2, 2))).Item);
        Assert.Throws<ArgumentException>("a", () => Ops.LogAbsDet(tape.Constant([1.0, 2, 3, 4, 5, 6], Shape.Matrix(2, 3))));
    }

    [Fact]
    public void Solve_MatchesMathNet()
    {
        int n = 7;
        var a = RandomMatrix(5, n);
        var b = TestData.Uniform(new Random(6), Shape.Matrix(n, 3), -1, 1).Data;
        var tape = new Tape();
        var x = Ops.Solve(tape.Constant(a, Shape.Matrix(n, n)), tape.Constant(b, Shape.Matrix(n, 3)));
        var expected = Matrix<double>.Build.DenseOfRowMajor(n, n, a).Solve(Matrix<double>.Build.DenseOfRowMajor(n, 3, b));
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < 3; j++)
            {
                Assert.Equal(expected[i, j], x.Value[(i * 3) + j], 1e-10);
            }
        }
    }
}
