using Inference.Distributed;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace Inference.Tests.Distributed;

/// <summary>
/// A chain's result travels packed (every double array in one block of bytes): it comes back bit for bit, awkward
/// values included, at 8 bytes a double rather than the element-by-element codec's 9 or more; a damaged packet is
/// refused with a message, not unpacked into wrong arrays.
/// </summary>
[Collection(OrleansClusterTests.Name)]
public class TransferTests(ClusterFixture fixture)
{
    private static readonly double[] Awkward =
    [
        double.NaN, BitConverter.Int64BitsToDouble(0x7FF8_0000_DEAD_BEEF), -0.0, 0.0, double.Epsilon, -double.Epsilon,
        double.PositiveInfinity, double.NegativeInfinity, double.MaxValue, 1e-310, Math.PI, -1.5,
    ];

    private Serializer Serializer => fixture.Cluster.Client.ServiceProvider.GetRequiredService<Serializer>();

    private static ChainResult Chain(int draws, int columns, bool dense, int warmup, ulong seed)
    {
        double At(int i) => Awkward[i % Awkward.Length] * (1 + (i / Awkward.Length));
        return new ChainResult
        {
            Values = Enumerable.Range(0, draws * columns).Select(At).ToArray(),
            Draws = draws,
            LogDensity = Enumerable.Range(1, draws).Select(At).ToArray(),
            AcceptStat = Enumerable.Range(2, draws).Select(At).ToArray(),
            StepSizes = Enumerable.Range(3, draws).Select(At).ToArray(),
            TreeDepth = Enumerable.Range(0, draws).Select(i => i % 11).ToArray(),
            LeapfrogSteps = Enumerable.Range(0, draws).Select(i => i == 0 ? int.MaxValue : -i).ToArray(),
            Divergent = Enumerable.Range(0, draws).Select(i => i % 3 == 0).ToArray(),
            Energy = Enumerable.Range(4, draws).Select(At).ToArray(),
            WarmupValues = Enumerable.Range(5, warmup * columns).Select(At).ToArray(),
            WarmupDraws = warmup,
            StepSize = 0.123456789,
            InverseMetricDiagonal = Enumerable.Range(6, columns).Select(At).ToArray(),
            InverseMetricMatrix = dense ? Enumerable.Range(7, columns * columns).Select(At).ToArray() : null,
            WarmupTime = TimeSpan.FromTicks(12345),
            SamplingTime = TimeSpan.FromTicks(67890),
            WarmupGradients = 1L << 40,
            SamplingGradients = 17,
            Seed = ulong.MaxValue - seed,
            Status = 2,
        };
    }

    private static CellResult Result(params ChainResult[] chains) => new()
    {
        Cell = new GridCell("transfer/1", "normal_normal", "{}", "nuts", new CellSettings(Chains: chains.Length), 7),
        Names = ["a", "b", "c"],
        Chains = chains,
        Completed = true,
        TotalGradients = 99,
    };

    [Fact]
    public void AResult_SurvivesTheWire_BitForBit()
    {
        var sent = Result(Chain(500, 3, dense: false, warmup: 0, 1), Chain(7, 3, dense: true, warmup: 4, 2), Chain(0, 3, dense: false, warmup: 0, 3));
        var received = Serializer.Deserialize<CellResult>(Serializer.SerializeToArray(sent)) ?? throw new InvalidOperationException("null after the wire");

        Assert.True(received.SameDraws(sent));
        Assert.Null(received.Chains[0].InverseMetricMatrix);
        Assert.NotNull(received.Chains[1].InverseMetricMatrix);
        for (int c = 0; c < sent.Chains.Length; c++)
        {
            var (s, r) = (sent.Chains[c], received.Chains[c]);
            Assert.Equal(s.Values.Select(BitConverter.DoubleToInt64Bits), r.Values.Select(BitConverter.DoubleToInt64Bits));
            Assert.Equal(s.LeapfrogSteps, r.LeapfrogSteps);
            Assert.Equal(s.Divergent, r.Divergent);
            Assert.Equal((s.WarmupTime, s.SamplingTime, s.Seed, s.Status), (r.WarmupTime, r.SamplingTime, r.Seed, r.Status));
        }

        // one flipped bit in one value is seen by the comparison the grids rely on
        var flipped = sent.Chains[0].Values.ToArray();
        flipped[10] = BitConverter.Int64BitsToDouble(BitConverter.DoubleToInt64Bits(flipped[10]) ^ 1);
        var other = Result(new ChainResult { Values = flipped, Draws = 500, LogDensity = sent.Chains[0].LogDensity, AcceptStat = sent.Chains[0].AcceptStat, StepSizes = sent.Chains[0].StepSizes, TreeDepth = sent.Chains[0].TreeDepth, LeapfrogSteps = sent.Chains[0].LeapfrogSteps, Divergent = sent.Chains[0].Divergent, Energy = sent.Chains[0].Energy, StepSize = sent.Chains[0].StepSize, InverseMetricDiagonal = sent.Chains[0].InverseMetricDiagonal, WarmupGradients = sent.Chains[0].WarmupGradients, SamplingGradients = sent.Chains[0].SamplingGradients, Seed = sent.Chains[0].Seed, Status = 2 });
        Assert.False(other.Chains[0].SameDraws(received.Chains[0]));
    }

    [Fact]
    public void TheDraws_TravelAtEightBytesADouble()
    {
        const int Draws = 20000, Columns = 6;
        var sent = Result(Chain(Draws, Columns, dense: false, warmup: 0, 1));
        int doubles = (Draws * Columns) + (4 * Draws) + Columns;
        int bytes = Serializer.SerializeToArray(sent).Length;

        // 8 bytes a double, 4 a tree depth, 4 a leapfrog count, 1 a divergence flag, plus a few hundred bytes of the rest
        long packed = (8L * doubles) + (9L * Draws);
        Assert.InRange(bytes, packed, packed + 1024);
    }

    [Fact]
    public void ADamagedPacket_IsRefused()
    {
        var converter = new ChainResultConverter();
        var good = converter.ConvertToSurrogate(Chain(5, 2, dense: true, warmup: 1, 1));
        Assert.True(converter.ConvertFromSurrogate(good).SameDraws(Chain(5, 2, dense: true, warmup: 1, 1)));

        var shortBlock = good;
        shortBlock.Doubles = good.Doubles[..^8];
        Assert.Contains("shorter", Assert.Throws<InvalidDataException>(() => converter.ConvertFromSurrogate(shortBlock)).Message, StringComparison.Ordinal);

        var longBlock = good;
        longBlock.Ints = [.. good.Ints, 0, 0, 0, 0];
        Assert.Contains("more bytes", Assert.Throws<InvalidDataException>(() => converter.ConvertFromSurrogate(longBlock)).Message, StringComparison.Ordinal);

        var noLengths = good;
        noLengths.Lengths = [1, 2];
        Assert.Contains("array lengths", Assert.Throws<InvalidDataException>(() => converter.ConvertFromSurrogate(noLengths)).Message, StringComparison.Ordinal);
    }
}
