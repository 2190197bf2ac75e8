namespace Inference.Autodiff.Kernels;

/// <summary>Scalar special functions not covered by MathNet.Numerics, </summary>
internal static class SpecialFunctions
{
    /// <summary>Trigamma ψ′(x): recurrence up to x ≥ 10, then the asymptotic series; reflection for x ≤ 0.</summary>
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
        while (x < 10)
        {
            acc += 1 / (x * x);
            x += 1;
        }

        double z = 1 / (x * x);
        // 1/x + 1/(2x²) + 1/(6x³) − 1/(30x⁵) + 1/(42x⁷) − 1/(30x⁹) + 5/(66x¹¹) − 691/(2730x¹³) + 7/(6x¹⁵)
        double poly = -691.0 / 2730 + (z * 7.0 / 6);
        poly = 5.0 / 66 + (z * poly);
        poly = -1.0 / 30 + (z * poly);
        poly = 1.0 / 42 + (z * poly);
        poly = -1.0 / 30 + (z * poly);
        poly = 1.0 / 6 + (z * poly);
        double series = ((1 + (z * poly)) / x) + (z / 2);
        return acc + series;
    }

    /// <summary>
    /// log(1 + x), accurate near 0 (Kahan: log(u)·x/(u − 1) with u = 1 + x); log u itself where u is 0 or infinite, as
    /// <see cref="Elementwise.Log1p"/> does over spans.
    /// </summary>
    public static double Log1p(double x)
    {
        double u = 1 + x;
        if (u == 1)
        {
            return x;
        }

        double log = Math.Log(u);
        return double.IsInfinity(u) || u == 0 ? log : log * x / (u - 1);
    }

    /// <summary>
    /// log|Γ(x)| for all real x. MathNet's GammaLn is used for x ≥ 0.5; below that the reflection
    /// formula is applied with |sin(πx)| (MathNet returns NaN where Γ(x) &lt; 0).
    /// </summary>
    public static double LogAbsGamma(double x)
    {
        if (x >= 0.5 || double.IsNaN(x))
        {
            return MathNet.Numerics.SpecialFunctions.GammaLn(x);
        }

        if (x == Math.Floor(x))
        {
            return double.PositiveInfinity;
        }

        // Γ(x)Γ(1 − x) = π / sin(πx)
        return Math.Log(Math.PI) - Math.Log(Math.Abs(Math.Sin(Math.PI * x))) - MathNet.Numerics.SpecialFunctions.GammaLn(1 - x);
    }
}
