using System.Runtime.CompilerServices;

namespace Inference.Autodiff.Kernels;

/// <summary>LU factorization with partial pivoting of small dense row-major matrices, for determinants and solves.</summary>
internal static class LuKernel
{
    /// <summary>
    /// Factors the n×n matrix <paramref name="a"/> in place (L unit lower below the diagonal, U on and above it) with
    /// row pivots in <paramref name="pivots"/>; returns log|det A| (−∞ when a pivot is exactly zero).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Factor(Span<double> a, int n, Span<int> pivots)
    {
        double logDet = 0;
        for (int k = 0; k < n; k++)
        {
            int p = k;
            double best = Math.Abs(a[(k * n) + k]);
            for (int i = k + 1; i < n; i++)
            {
                double v = Math.Abs(a[(i * n) + k]);
                if (v > best)
                {
                    best = v;
                    p = i;
                }
            }

            pivots[k] = p;
            if (p != k)
            {
                // whole rows, the multipliers already stored included (as LAPACK's getrf), so Solve replays the swaps in order
                for (int j = 0; j < n; j++)
                {
                    (a[(k * n) + j], a[(p * n) + j]) = (a[(p * n) + j], a[(k * n) + j]);
                }
            }

            logDet += Math.Log(best);
            if (best == 0)
            {
                continue;
            }

            double pivot = a[(k * n) + k];
            for (int i = k + 1; i < n; i++)
            {
                double f = a[(i * n) + k] / pivot;
                a[(i * n) + k] = f;
                if (f != 0)
                {
                    var row = a.Slice((i * n) + k + 1, n - k - 1);
                    var top = a.Slice((k * n) + k + 1, n - k - 1);
                    for (int j = 0; j < row.Length; j++)
                    {
                        row[j] -= f * top[j];
                    }
                }
            }
        }

        return logDet;
    }

    /// <summary>Solves A X = B in place in <paramref name="b"/> (n×k, row-major) from <see cref="Factor"/>'s output.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Solve(ReadOnlySpan<double> lu, int n, ReadOnlySpan<int> pivots, Span<double> b, int k)
    {
        for (int i = 0; i < n; i++)
        {
            int p = pivots[i];
            if (p != i)
            {
                for (int j = 0; j < k; j++)
                {
                    (b[(i * k) + j], b[(p * k) + j]) = (b[(p * k) + j], b[(i * k) + j]);
                }
            }
        }

        for (int i = 1; i < n; i++)
        {
            for (int m = 0; m < i; m++)
            {
                double f = lu[(i * n) + m];
                if (f != 0)
                {
                    for (int j = 0; j < k; j++)
                    {
                        b[(i * k) + j] -= f * b[(m * k) + j];
                    }
                }
            }
        }

        for (int i = n - 1; i >= 0; i--)
        {
            for (int m = i + 1; m < n; m++)
            {
                double f = lu[(i * n) + m];
                if (f != 0)
                {
                    for (int j = 0; j < k; j++)
                    {
                        b[(i * k) + j] -= f * b[(m * k) + j];
                    }
                }
            }

            double d = lu[(i * n) + i];
            for (int j = 0; j < k; j++)
            {
                b[(i * k) + j] /= d;
            }
        }
    }
}
