using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Inference.Distributed;

/// <summary>
/// A chain's result as it travels between silo and caller: every double array in one packed block of bytes, the
/// integer arrays in a second and the divergence flags in a third, instead of Orleans' element-by-element array codec
/// (a field header and a call per element). The bytes are the values' IEEE 754 bits in little-endian order, so a
/// chain comes back bit for bit whatever the machines.
/// </summary>
[GenerateSerializer]
internal struct ChainResultTransfer
{
    /// <summary>Values, LogDensity, AcceptStat, StepSizes, Energy, WarmupValues, InverseMetricDiagonal, InverseMetricMatrix, in that order.</summary>
    [Id(0)] public byte[] Doubles;

    /// <summary>TreeDepth, then LeapfrogSteps.</summary>
    [Id(1)] public byte[] Ints;

    /// <summary>Divergent, one byte (0 or 1) per draw.</summary>
    [Id(2)] public byte[] Divergent;

    /// <summary>The lengths of the arrays in <see cref="Doubles"/> (the metric matrix's is −1 when there is none), then those in <see cref="Ints"/>.</summary>
    [Id(3)] public int[] Lengths;

    [Id(4)] public int Draws;
    [Id(5)] public int WarmupDraws;
    [Id(6)] public double StepSize;
    [Id(7)] public TimeSpan WarmupTime;
    [Id(8)] public TimeSpan SamplingTime;
    [Id(9)] public long WarmupGradients;
    [Id(10)] public long SamplingGradients;
    [Id(11)] public ulong Seed;
    [Id(12)] public int Status;
}

/// <summary>Converts a <see cref="ChainResult"/> to and from its packed form on the wire.</summary>
[RegisterConverter]
internal sealed class ChainResultConverter : IConverter<ChainResult, ChainResultTransfer>
{
    public ChainResultTransfer ConvertToSurrogate(in ChainResult value)
    {
        double[][] doubles = [value.Values, value.LogDensity, value.AcceptStat, value.StepSizes, value.Energy, value.WarmupValues, value.InverseMetricDiagonal, value.InverseMetricMatrix ?? []];
        int[][] ints = [value.TreeDepth, value.LeapfrogSteps];
        var lengths = new int[doubles.Length + ints.Length];
        int totalDoubles = 0, totalInts = 0;
        for (int i = 0; i < doubles.Length; i++)
        {
            lengths[i] = doubles[i].Length;
            totalDoubles += doubles[i].Length;
        }

        lengths[doubles.Length - 1] = value.InverseMetricMatrix is null ? -1 : value.InverseMetricMatrix.Length;
        for (int i = 0; i < ints.Length; i++)
        {
            lengths[doubles.Length + i] = ints[i].Length;
            totalInts += ints[i].Length;
        }

        var packedDoubles = new byte[totalDoubles * sizeof(double)];
        int at = 0;
        foreach (var block in doubles)
        {
            Write(block, packedDoubles.AsSpan(at, block.Length * sizeof(double)));
            at += block.Length * sizeof(double);
        }

        var packedInts = new byte[totalInts * sizeof(int)];
        at = 0;
        foreach (var block in ints)
        {
            Write(block, packedInts.AsSpan(at, block.Length * sizeof(int)));
            at += block.Length * sizeof(int);
        }

        var divergent = new byte[value.Divergent.Length];
        for (int i = 0; i < divergent.Length; i++)
        {
            divergent[i] = value.Divergent[i] ? (byte)1 : (byte)0;
        }

        return new ChainResultTransfer
        {
            Doubles = packedDoubles, Ints = packedInts, Divergent = divergent, Lengths = lengths,
            Draws = value.Draws, WarmupDraws = value.WarmupDraws, StepSize = value.StepSize, WarmupTime = value.WarmupTime,
            SamplingTime = value.SamplingTime, WarmupGradients = value.WarmupGradients, SamplingGradients = value.SamplingGradients,
            Seed = value.Seed, Status = value.Status,
        };
    }

    public ChainResult ConvertFromSurrogate(in ChainResultTransfer surrogate)
    {
        var lengths = surrogate.Lengths ?? throw new InvalidDataException("A chain's result arrived without its array lengths.");
        if (lengths.Length != 10)
        {
            throw new InvalidDataException($"A chain's result arrived with {lengths.Length} array lengths, not 10.");
        }

        ReadOnlySpan<byte> doubles = surrogate.Doubles, ints = surrogate.Ints;
        var d = new double[8][];
        for (int i = 0; i < 8; i++)
        {
            int n = Math.Max(lengths[i], 0);
            d[i] = Read<double>(ref doubles, n);
        }

        var treeDepth = Read<int>(ref ints, lengths[8]);
        var leapfrog = Read<int>(ref ints, lengths[9]);
        if (!doubles.IsEmpty || !ints.IsEmpty)
        {
            throw new InvalidDataException("A chain's result arrived with more bytes than its lengths say.");
        }

        var flags = surrogate.Divergent ?? throw new InvalidDataException("A chain's result arrived without its divergence flags.");
        var divergent = new bool[flags.Length];
        for (int i = 0; i < divergent.Length; i++)
        {
            divergent[i] = flags[i] != 0;
        }

        return new ChainResult
        {
            Values = d[0], LogDensity = d[1], AcceptStat = d[2], StepSizes = d[3], Energy = d[4], WarmupValues = d[5],
            InverseMetricDiagonal = d[6], InverseMetricMatrix = lengths[7] < 0 ? null : d[7],
            TreeDepth = treeDepth, LeapfrogSteps = leapfrog, Divergent = divergent,
            Draws = surrogate.Draws, WarmupDraws = surrogate.WarmupDraws, StepSize = surrogate.StepSize,
            WarmupTime = surrogate.WarmupTime, SamplingTime = surrogate.SamplingTime,
            WarmupGradients = surrogate.WarmupGradients, SamplingGradients = surrogate.SamplingGradients,
            Seed = surrogate.Seed, Status = surrogate.Status,
        };
    }

    private static void Write(ReadOnlySpan<double> values, Span<byte> into)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(into);
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteDoubleLittleEndian(into[(i * sizeof(double))..], values[i]);
        }
    }

    private static void Write(ReadOnlySpan<int> values, Span<byte> into)
    {
        if (BitConverter.IsLittleEndian)
        {
            MemoryMarshal.AsBytes(values).CopyTo(into);
            return;
        }

        for (int i = 0; i < values.Length; i++)
        {
            BinaryPrimitives.WriteInt32LittleEndian(into[(i * sizeof(int))..], values[i]);
        }
    }

    private static T[] Read<T>(ref ReadOnlySpan<byte> from, int count)
        where T : unmanaged
    {
        int size = System.Runtime.CompilerServices.Unsafe.SizeOf<T>();
        if (count < 0 || (long)count * size > from.Length)
        {
            throw new InvalidDataException("A chain's result arrived shorter than its lengths say.");
        }

        var values = new T[count];
        var bytes = MemoryMarshal.AsBytes(values.AsSpan());
        from[..(count * size)].CopyTo(bytes);
        from = from[(count * size)..];
        if (!BitConverter.IsLittleEndian)
        {
            if (typeof(T) == typeof(double))
            {
                var asLongs = MemoryMarshal.Cast<byte, long>(bytes);
                BinaryPrimitives.ReverseEndianness(asLongs, asLongs);
            }
            else
            {
                var asInts = MemoryMarshal.Cast<byte, int>(bytes);
                BinaryPrimitives.ReverseEndianness(asInts, asInts);
            }
        }

        return values;
    }
}
