namespace Inference.Transforms.Bijectors;

/// <summary>Flat (row-major) positions of the lower triangle of a K × K matrix, for scatter and gather.</summary>
internal sealed class TriangularIndex
{
    public TriangularIndex(int k)
    {
        K = k;
        var strict = new List<int>();
        var lower = new List<int>();
        var lowerDiagonal = new List<int>();
        var lowerOffDiagonal = new List<int>();
        var diagonal = new List<int>();
        var offDiagonal = new List<int>();
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j <= i; j++)
            {
                if (j < i)
                {
                    strict.Add((i * k) + j);
                    lowerOffDiagonal.Add(lower.Count);
                    offDiagonal.Add((i * k) + j);
                }
                else
                {
                    lowerDiagonal.Add(lower.Count);
                    diagonal.Add((i * k) + j);
                }

                lower.Add((i * k) + j);
            }
        }

        StrictLower = [.. strict];
        Lower = [.. lower];
        DiagonalInLower = [.. lowerDiagonal];
        OffDiagonalInLower = [.. lowerOffDiagonal];
        Diagonal = [.. diagonal];
        OffDiagonal = [.. offDiagonal];
        Identity = new double[k * k];
        for (int i = 0; i < k; i++)
        {
            Identity[(i * k) + i] = 1;
        }
    }

    public int K { get; }

    /// <summary>Flat positions with i &gt; j, row by row.</summary>
    public int[] StrictLower { get; }

    /// <summary>Flat positions with i ≥ j, row by row.</summary>
    public int[] Lower { get; }

    /// <summary>Indices within <see cref="Lower"/> that are diagonal.</summary>
    public int[] DiagonalInLower { get; }

    /// <summary>Indices within <see cref="Lower"/> that are below the diagonal.</summary>
    public int[] OffDiagonalInLower { get; }

    /// <summary>Flat positions of the diagonal.</summary>
    public int[] Diagonal { get; }

    /// <summary>Flat positions below the diagonal (same as <see cref="StrictLower"/>).</summary>
    public int[] OffDiagonal { get; }

    /// <summary>The identity matrix, flat.</summary>
    public double[] Identity { get; }

    public static int SideFromSize(int size, string paramName)
    {
        int k = (int)Math.Round(Math.Sqrt(size));
        if (k * k != size || k < 1)
        {
            throw new ArgumentException($"A square-matrix constraint needs K × K values; got {size}.", paramName);
        }

        return k;
    }
}
