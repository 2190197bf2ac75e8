using Inference.Autodiff.Kernels;

namespace Inference.Tests.Autodiff;

/// <summary>The blocked kernels against a naive triple loop over sizes that hit every block and tail path.</summary>
public class MatMulKernelTests
{
    public static TheoryData<int, int, int> Sizes() => new()
    {
        { 1, 1, 1 }, { 3, 5, 7 }, { 4, 4, 8 }, { 5, 3, 9 }, { 8, 16, 16 }, { 13, 11, 21 }, { 17, 33, 12 }, { 64, 64, 64 }, { 2, 1, 3 },
        // narrow B (n < 12 with k ≥ 2 vectors, fewer than 8 rows or fewer than 4 columns): the dot-product path, with
        // row and k tails
        { 7, 9, 5 }, { 4, 8, 1 }, { 16, 20, 3 },
        // 4 ≤ n < 64 and not a multiple of 8 with m ≥ 8 (13×11×21, 17×33×12 above): B and C padded
        { 8, 3, 63 }, { 128, 64, 50 }, { 9, 37, 11 }, { 256, 64, 10 }, { 128, 64, 5 }, { 12, 16, 4 },
        // n = 8: one 512-bit tile per strip
        { 128, 64, 8 },
        // B larger than twice the L1 budget (k·n ≥ 8192): k taken in slabs that continue the sums in C
        { 6, 130, 64 }, { 9, 1100, 8 }, { 64, 128, 100 },
    };

    private static double[] Naive(double[] a, double[] b, int m, int k, int n, bool transposeA)
    {
        var c = new double[m * n];
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    s += (transposeA ? a[(p * m) + i] : a[(i * k) + p]) * b[(p * n) + j];
                }

                c[(i * n) + j] = s;
            }
        }

        return c;
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void GemmTransposedB_MatchesNaive(int m, int k, int n)
    {
        // C = A·Bᵀ with B stored [n, k]: compare with the naive product against B's transpose
        var rng = new Random(Seeds.MatMulSizes + 7 + (m * 1000) + (k * 10) + n);
        var a = TestData.Uniform(rng, Shape.Vector(m * k), -1, 1).Data;
        var bStored = TestData.Uniform(rng, Shape.Vector(n * k), -1, 1).Data;
        var b = new double[k * n];
        for (int p = 0; p < k; p++)
        {
            for (int j = 0; j < n; j++)
            {
                b[(p * n) + j] = bStored[(j * k) + p];
            }
        }

        var c = new double[m * n];
        MatMulKernel.GemmTransposedB(a, bStored, c, m, k, n, accumulate: false);
        AssertClose(Naive(a, b, m, k, n, false), c);
        MatMulKernel.GemmTransposedB(a, bStored, c, m, k, n, accumulate: true);
        AssertClose(Naive(a, b, m, k, n, false).Select(v => 2 * v).ToArray(), c);
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void Gemm_AllPaths_MatchNaive(int m, int k, int n)
    {
        var rng = new Random(Seeds.MatMulSizes + (m * 1000) + (k * 10) + n);
        var a = TestData.Uniform(rng, Shape.Vector(m * k), -1, 1).Data;
        var b = TestData.Uniform(rng, Shape.Vector(k * n), -1, 1).Data;
        var init = TestData.Uniform(rng, Shape.Vector(m * n), -1, 1).Data;

        var c = new double[m * n];
        MatMulKernel.Gemm(a, k, 1, b, c, m, k, n, accumulate: false);
        AssertClose(Naive(a, b, m, k, n, false), c);

        // transposed left operand: a holds a k×m matrix
        var ct = new double[m * n];
        MatMulKernel.Gemm(a, 1, m, b, ct, m, k, n, accumulate: false);
        AssertClose(Naive(a, b, m, k, n, true), ct);

        // accumulate adds to what is there
        var acc = (double[])init.Clone();
        MatMulKernel.Gemm(a, k, 1, b, acc, m, k, n, accumulate: true);
        var expected = Naive(a, b, m, k, n, false);
        for (int i = 0; i < expected.Length; i++)
        {
            expected[i] += init[i];
        }

        AssertClose(expected, acc);
    }

    [Theory]
    [InlineData(1, 3)]
    [InlineData(7, 10)]
    [InlineData(128, 64)]
    public void AddColumnSums_AddsEveryRowInOrder(int m, int n)
    {
        var rng = new Random(Seeds.MatMulSizes + m + n);
        var a = TestData.Uniform(rng, Shape.Vector(m * n), -1, 1).Data;
        var start = TestData.Uniform(rng, Shape.Vector(n), -1, 1).Data;
        var y = (double[])start.Clone();
        MatMulKernel.AddColumnSums(a, y, m, n);
        for (int j = 0; j < n; j++)
        {
            double s = start[j];
            for (int i = 0; i < m; i++)
            {
                s += a[(i * n) + j];
            }

            Assert.Equal(s, y[j]);
        }
    }

    [Fact]
    public void Gemm_InSlabs_GivesTheBitsOfOneFusedMultiplyAddChain()
    {
        // 13×130·130×64: B is over twice the L1 budget, so k is split; rows go through an 8-row strip, a 4-row strip
        // and a single row; every entry must still be the FMA chain p = 0…k−1
        const int m = 13, k = 130, n = 64;
        var rng = new Random(Seeds.MatMulSizes + 99);
        var a = TestData.Uniform(rng, Shape.Vector(m * k), -1, 1).Data;
        var b = TestData.Uniform(rng, Shape.Vector(k * n), -1, 1).Data;
        var c = new double[m * n];
        MatMulKernel.Gemm(a, k, 1, b, c, m, k, n, accumulate: false);
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < n; j++)
            {
                double s = 0;
                for (int p = 0; p < k; p++)
                {
                    s = Math.FusedMultiplyAdd(a[(i * k) + p], b[(p * n) + j], s);
                }

                Assert.Equal(s, c[(i * n) + j]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Sizes))]
    public void GemvAndTransposed_MatchNaive(int m, int k, int unused)
    {
        _ = unused;
        var rng = new Random(Seeds.MatMulSizes - m - k);
        var a = TestData.Uniform(rng, Shape.Vector(m * k), -1, 1).Data;
        var x = TestData.Uniform(rng, Shape.Vector(k), -1, 1).Data;
        var g = TestData.Uniform(rng, Shape.Vector(m), -1, 1).Data;
        var y = new double[m];
        MatMulKernel.Gemv(a, x, y, m, k, accumulate: false);
        AssertClose(Naive(a, x, m, k, 1, false), y);

        var yt = new double[k];
        MatMulKernel.GemvTransposedAccumulate(a, g, yt, m, k);
        AssertClose(Naive(a, g, k, m, 1, true), yt);
    }

    private static void AssertClose(double[] expected, double[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) < 1e-12, $"element {i}: {actual[i]:R} vs {expected[i]:R}");
        }
    }
}
