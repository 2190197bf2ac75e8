using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Randomness;

namespace Inference.Tests.Flows;

/// <summary>Every flow layer with random (non-identity) parameters, D ∈ {1, 2, 5, 17}: round trip, exact log-Jacobian, batches, gradients.</summary>
public class FlowConformanceTests
{
    public sealed record FlowCase(string Name, int Dimension)
    {
        public override string ToString() => $"{Name} (D = {Dimension})";
    }

    public static TheoryData<FlowCase> Cases()
    {
        var data = new TheoryData<FlowCase>();
        foreach (int d in new[] { 1, 2, 5, 17 })
        {
            data.Add(new("elementwise affine", d));
            data.Add(new("lower-triangular affine", d));
            data.Add(new("reverse permutation", d));
            if (d >= 2)
            {
                data.Add(new("affine coupling", d));
                data.Add(new("realnvp chain", d));
            }
        }

        return data;
    }

    private static FlowBijector Make(FlowCase c)
    {
        var rng = new Rng(Seeds.OpInputs + c.Dimension);
        FlowBijector flow = c.Name switch
        {
            "elementwise affine" => new ElementwiseAffine(c.Dimension),
            "lower-triangular affine" => new LowerTriangularAffine(c.Dimension),
            "reverse permutation" => new ReversePermutation(c.Dimension),
            "affine coupling" => new AffineCoupling(c.Dimension, [16, 16], rng),
            _ => FlowDistribution.RealNvp(c.Dimension, 4, [16, 16], rng).Transform,
        };

        // move every parameter off its identity initialization
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] += 0.3 * rng.Normal();
            }
        }

        return flow;
    }

    private static double[] Input(int d, int seed)
    {
        var rng = new Rng(seed);
        var x = new double[d];
        rng.Normal(x);
        return x;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RoundTrip_To1e10_AndLogDetsAreOpposite(FlowCase c)
    {
        var flow = Make(c);
        for (int rep = 0; rep < 10; rep++)
        {
            BijectorChecks.AssertRoundTrip(flow, Input(c.Dimension, rep), c.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogDet_EqualsBruteForceJacobian(FlowCase c)
    {
        var flow = Make(c);
        for (int rep = 0; rep < 3; rep++)
        {
            BijectorChecks.AssertLogDetMatchesBruteForce(flow, Input(c.Dimension, 50 + rep), c.ToString());
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Batch_MatchesRowByRow_AndGradientsMatchFiniteDifferences(FlowCase c)
    {
        var flow = Make(c);
        int d = c.Dimension;
        var rows = Enumerable.Range(0, 3).Select(r => Input(d, 80 + r)).ToArray();
        var tape = new Tape();
        var y = flow.Forward(tape.Constant(rows.SelectMany(r => r).ToArray(), Shape.Matrix(3, d)), out var ld);
        for (int r = 0; r < 3; r++)
        {
            var yr = flow.Forward(tape.Constant(rows[r]), out var ldr);
            Assert.Equal(ldr.Item, ld.Value[r], 1e-12);
            for (int k = 0; k < d; k++)
            {
                Assert.Equal(yr.Value[k], y.Value[(r * d) + k], 1e-12);
            }
        }

        var grad = GradCheck.Check(v => Ops.Sum(Ops.Square(flow.Forward(v[0], out var l))) + Ops.Sum(l), [new Tensor(rows.SelectMany(r => r).ToArray(), Shape.Matrix(3, d))]);
        Assert.True(grad.MaxRelativeError < 1e-6, $"{c}: {grad}");
    }

    [Fact]
    public void ParameterGradients_MatchFiniteDifferences()
    {
        // d/dθ of Σ log q(x) over a fixed batch, for every parameter of a RealNVP chain
        var rng = new Rng(4);
        var flow = FlowDistribution.RealNvp(3, 2, [8], rng);
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] += 0.2 * rng.Normal();
            }
        }

        var x = new double[12];
        new Rng(5).Normal(x);
        double Objective()
        {
            var t = new Tape();
            using var s = t.NoGrad();
            return Ops.Sum(flow.LogProb(t.Constant(x, Shape.Matrix(4, 3)))).Item;
        }

        var tape = new Tape();
        flow.Transform.ZeroGrad();
        tape.Backward(Ops.Sum(flow.LogProb(tape.Constant(x, Shape.Matrix(4, 3)))));
        flow.Transform.CollectGradients(tape);
        double worst = 0;
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                double v0 = p.Value[i], h = 1e-6 * Math.Max(1, Math.Abs(v0));
                p.Value[i] = v0 + h;
                double fp = Objective();
                p.Value[i] = v0 - h;
                double fm = Objective();
                p.Value[i] = v0;
                double numeric = (fp - fm) / (2 * h);
                worst = Math.Max(worst, Math.Abs(numeric - p.Grad[i]) / Math.Max(1, Math.Abs(numeric)));
            }
        }

        Assert.True(worst < 1e-6, $"worst relative error {worst:E2}");
    }

    [Fact]
    public void RealNvp_TransformsEveryCoordinate()
    {
        // with non-zero networks every output coordinate must depend on every input through some coupling
        var rng = new Rng(12);
        var flow = FlowDistribution.RealNvp(2, 4, [8], rng);
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] += 0.3 * rng.Normal();
            }
        }

        var layers = ((FlowChain)flow.Transform).Layers.OfType<AffineCoupling>().ToArray();
        var tape = new Tape();
        var x = tape.Variable([0.4, -0.7]);
        // push through the chain and look at the coupling outputs: both coordinates change somewhere
        var h = x;
        var changed = new bool[2];
        foreach (var layer in ((FlowChain)flow.Transform).Layers)
        {
            var next = layer.Forward(h, out _);
            if (layer is AffineCoupling)
            {
                // which original coordinate sits at each position is tracked by the reversals
                for (int i = 0; i < 2; i++)
                {
                    if (Math.Abs(next.Value[i] - h.Value[i]) > 1e-12)
                    {
                        changed[i] = true;
                    }
                }
            }
            else if (layer is ReversePermutation)
            {
                (changed[0], changed[1]) = (changed[1], changed[0]);
            }

            h = next;
        }

        Assert.Equal(4, layers.Length);
        Assert.All(changed, Assert.True);
    }

    [Fact]
    public void OneFlow_UsedByManyThreadsAtOnce_GivesTheSameResultsAsOneThread()
    {
        // parallel chains share one trained flow, each with its own tape
        var flow = FlowDistribution.RealNvp(5, 4, [16, 16], new Rng(21));
        foreach (var p in flow.Parameters())
        {
            for (int i = 0; i < p.Value.Length; i++)
            {
                p.Value[i] += 0.1 * ((i % 7) - 3);
            }
        }

        var inputs = Enumerable.Range(0, 64).Select(k => Input(5, 1000 + k)).ToArray();
        double Evaluate(Tape tape, double[] x, double[] grad)
        {
            tape.Reset();
            var v = tape.Variable(x);
            var y = flow.Transform.Forward(v, out var ld);
            var total = Ops.Sum(Ops.Square(y)) + ld;
            tape.Backward(total);
            v.Grad.CopyTo(grad);
            return total.Item;
        }

        var expected = inputs.Select(x =>
        {
            var g = new double[5];
            return (Evaluate(new Tape(), x, g), g);
        }).ToArray();
        var actual = new (double, double[])[inputs.Length];
        Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, worker =>
        {
            var tape = new Tape();
            for (int rep = 0; rep < 50; rep++)
            {
                for (int k = worker; k < inputs.Length; k += 8)
                {
                    var g = new double[5];
                    actual[k] = (Evaluate(tape, inputs[k], g), g);
                }
            }
        });

        for (int k = 0; k < inputs.Length; k++)
        {
            Assert.Equal(expected[k].Item1, actual[k].Item1);
            Assert.Equal(expected[k].Item2, actual[k].Item2);
        }
    }
}
