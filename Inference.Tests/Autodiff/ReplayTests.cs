namespace Inference.Tests.Autodiff;

/// <summary>
/// Replaying a recorded tape at new leaf values (<see cref="Tape.Replay"/>) against recording it afresh there: every op case
/// of <see cref="OpGradientTests"/> whose tape replays must give the same value and the same gradients, to the bit.
/// </summary>
public class ReplayTests
{
    private static readonly HashSet<string> Replayed = [];

    public static TheoryData<OpGradientTests.OpCase> Cases() => OpGradientTests.Cases();

    [Theory]
    [MemberData(nameof(Cases))]
    public void Op_ReplayedAtNewInputs_EqualsRecordingThere_ToTheBit(OpGradientTests.OpCase c)
    {
        var rng = new Random(Seeds.For(c.Name, Seeds.OpInputs ^ 0x5eed));
        var first = c.Inputs(rng);
        var second = c.Inputs(rng);

        // recorded at the first inputs (leaves read the tensors' arrays), then the arrays are overwritten and the tape replayed
        var tensors = first.Select(t => new Tensor(t.Data.ToArray(), t.Shape)).ToArray();
        var tape = new Tape();
        var vars = tensors.Select(tape.Variable).ToArray();
        long reads = tape.ValueReads;
        var y = c.Function(vars);
        if (!tape.CanReplay || tape.ValueReads != reads)
        {
            return;
        }

        int count = tape.Count;
        var cotangent = Cotangent(y.Shape.Length);
        for (int i = 0; i < tensors.Length; i++)
        {
            second[i].Data.CopyTo(tensors[i].Data, 0);
        }

        Assert.True(tape.Replay(count), $"{c.Name}: a guard failed on inputs inside every support");
        tape.Backward(y, cotangent);
        var replayedValue = y.Value.ToArray();
        var replayedGrads = vars.Select(v => v.RequiresGrad ? v.Grad.ToArray() : []).ToArray();

        var fresh = new Tape();
        var freshVars = second.Select(fresh.Variable).ToArray();
        var fy = c.Function(freshVars);
        fresh.Backward(fy, cotangent);
        Assert.Equal(fy.Value.ToArray(), replayedValue);
        for (int i = 0; i < vars.Length; i++)
        {
            Assert.Equal(freshVars[i].RequiresGrad ? freshVars[i].Grad.ToArray() : [], replayedGrads[i]);
        }

        lock (Replayed)
        {
            Replayed.Add(c.Name);
        }
    }

    [Fact]
    public void CommonOps_AreReplayable()
    {
        // the ops a small model records: elementwise arithmetic and functions, slices, sums, products, densities, scans
        string[] expected =
        [
            "add same", "add row over batch", "sub row", "mul scalar", "div same", "pow same", "scale", "neg", "exp", "log", "square",
            "sqrt", "sigmoid", "log-sigmoid", "softplus", "tanh", "sum all", "sum axis 0", "matmul", "matvec", "vecmat", "dot",
            "slice last", "slice rows", "concat last", "concat scalars and a vector", "reshape", "scan, scalar coefficient",
            "scan, rows of recursions", "normal density, all tape values", "student-t density, nu 3.5", "half-cauchy density",
            "gather rows", "gather last with repeats", "logsumexp all", "logsumexp axis 1", "where", "mask", "cumsum",
        ];
        foreach (var c in OpGradientTests.All.Where(c => expected.Contains(c.Name)))
        {
            Op_ReplayedAtNewInputs_EqualsRecordingThere_ToTheBit(c);
        }

        Assert.Equal(expected.Length, OpGradientTests.All.Count(c => expected.Contains(c.Name)));
        lock (Replayed)
        {
            Assert.Equal([], expected.Where(e => !Replayed.Contains(e)).ToArray());
        }
    }

    [Fact]
    public void SupportCheck_WhoseValuesLeaveTheSupport_FailsTheReplay()
    {
        // log N(x | 0, σ) with σ a tape value: recorded at σ = 2 (inside, no node), replayed at σ = −1 (outside)
        var tape = new Tape();
        var sigma = new Tensor([2.0], Shape.Scalar);
        var x = tape.Constant(new Tensor([0.5, -1], Shape.Vector(2)));
        var s = tape.Variable(sigma);
        _ = Inference.Distributions.Normal.LogProb(x, 0.0, s);
        Assert.True(tape.CanReplay);
        int count = tape.Count;
        Assert.True(tape.Replay(count));
        sigma.Data[0] = -1;
        Assert.False(tape.Replay(count));

        // outside at recording: the −∞ mask is made from the values, so the tape does not replay at all
        tape.Reset();
        var s2 = tape.Variable(sigma);
        Assert.True(double.IsNegativeInfinity(Ops.Sum(Inference.Distributions.Normal.LogProb(tape.Constant(new Tensor([0.5], Shape.Vector(1))), 0.0, s2)).Item));
        Assert.False(tape.CanReplay);
    }

    private static double[] Cotangent(int n)
    {
        var rng = new Random(99);
        return Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
    }
}
