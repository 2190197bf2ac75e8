namespace Inference.Autodiff.Kernels;

/// <summary>Scalar special functions not covered by MathNet.Numerics, </summary>
internal static class SpecialFunctions
{
    /// <summary>Trigamma ψ′(x): recurrence up to x ≥ 6, then the asymptotic series; reflection for x ≤ 0.</summary>
    public static double Trigamma(double x)
    {
        if (double.IsNaN(x) || double.IsNegativeInfinity(x))
        {
            return double.NaN;
        }

        if (x <= 0)
        {
            if (x == Math.Floor(x))
            {
                return double.PositiveInfinity;
            }

            // ψ′(1 − x) + ψ′(x) = π² / sin²(πx)
            double s = Math.Sin(Math.PI * x);
            return (Math.PI * Math.PI / (s * s)) - Trigamma(1 - x);
        }

        double acc = 0;
        while (x < 6)
        {
            acc += 1 / (x * x);
            x += 1;
        }

        double z = 1 / (x * x);
        // 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹) + 5/(66x¹¹)
        double series = (1 / x) * (1 + (z * (1.0 / 6 + (z * (-1.0 / 30 + (z * (1.0 / 42 + (z * (-1.0 / 30 + (z * 5.0 / 66)))))))))) + (z / 2);
        return acc + series;
    }
}
