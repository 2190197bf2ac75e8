using System.Diagnostics;
using System.Globalization;
using Inference.Benchmarks.Flows;

namespace Inference.Benchmarks;

/// <summary>Stopwatch 10th percentiles of the flow benchmarks (for tuning; report BenchmarkDotNet's figures).</summary>
internal static class QuickTiming
{
    public static void Run(string[] args)
    {
        if (args.Length > 0 && args[0] == "loop")
        {
            // a steady workload for a sampling profiler: dotnet-trace collect -- … quick loop D seconds [step|serial|point]
            var lb = new VariationalBenchmarks { Dimension = int.Parse(args[1], CultureInfo.InvariantCulture) };
            lb.Setup();
            var until = Stopwatch.GetTimestamp() + (long)(double.Parse(args[2], CultureInfo.InvariantCulture) * Stopwatch.Frequency);
            string mode = args.Length > 3 ? args[3] : "step";
            while (Stopwatch.GetTimestamp() < until)
            {
                _ = mode switch { "point" => lb.PointGradient(), "serial" => lb.TrainingStepOneThread(), _ => lb.TrainingStep() };
            }

            return;
        }

        if (args.Length > 0 && args[0] == "parts")
        {
            // the step's parts: forward + backward on two threads and on one, gradient clipping, Adam, clearing gradients
            int d = int.Parse(args[1], CultureInfo.InvariantCulture);
            using var rig = new StepRig(Inference.Flows.FlowDistribution.RealNvp(d, 8, [64, 64], new Randomness.Rng(1)));
            for (int rep = 0; rep < 3; rep++)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"D = {d}: forward + backward on 2 threads {Percentile10(() => rig.Parallel.Run(rig.Noise, 1), 300) * 1e6:F0} µs, on 1 {Percentile10(() => rig.Serial.Run(rig.Noise, 1), 300) * 1e6:F0} µs; clip {Percentile10(() => { rig.Adam.ClipGradientNorm(1e4); return 0; }, 300) * 1e6:F1} µs, Adam {Percentile10(() => { rig.Adam.Step(); return 0; }, 300) * 1e6:F1} µs, zero grad {Percentile10(() => { rig.Flow.Transform.ZeroGrad(); return 0; }, 300) * 1e6:F1} µs"));
            }

            return;
        }

        if (args.Length > 0 && args[0] == "flow")
        {
            // quick flow NAME D: one reverse-KL step (2 threads, and 1) of a flow-report flow on the isotropic Gaussian
            string name = args[1];
            int d = int.Parse(args[2], CultureInfo.InvariantCulture);
            using var rig = new StepRig(Flows.FlowReport.Create(name, d, new Randomness.Rng(1)));
            int reps = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 100;
            var (m2, p2) = MedianAndP10(() => rig.TrainingStep(rig.Parallel), reps);
            var (m1, p1) = MedianAndP10(() => rig.TrainingStep(rig.Serial), reps);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} D={d}: step median {m2 * 1e3:F2} ms (p10 {p2 * 1e3:F2}), one thread {m1 * 1e3:F2} ms (p10 {p1 * 1e3:F2})"));
            return;
        }

        if (args.Length > 0 && args[0] == "residual")
        {
            // quick residual D: one residual block on a half batch (128 rows): forward and forward + backward, per log-det method
            int d = int.Parse(args[1], CultureInfo.InvariantCulture);
            foreach (var method in new[] { Inference.Flows.Bijectors.ResidualLogDet.Exact, Inference.Flows.Bijectors.ResidualLogDet.RussianRoulette })
            {
                var block = new Inference.Flows.Bijectors.ResidualBlock(d, [64, 64], new Randomness.Rng(1), 0.9, logDet: method, zeroInit: false);
                var tape = new Inference.Autodiff.Tape();
                var z = new double[128 * d];
                new Randomness.Rng(2).Normal(z);
                double Forward()
                {
                    tape.Reset();
                    var y = block.Forward(tape.Constant(z, Inference.Autodiff.Shape.Matrix(128, d)), out var ld);
                    return ld.Value[0];
                }

                double Both()
                {
                    tape.Reset();
                    var y = block.Forward(tape.Constant(z, Inference.Autodiff.Shape.Matrix(128, d)), out var ld);
                    tape.Backward(Inference.Autodiff.Ops.Sum(ld) + Inference.Autodiff.Ops.Sum(Inference.Autodiff.Ops.Square(y)));
                    return ld.Value[0];
                }

                var (mf, pf) = MedianAndP10(Forward, 100);
                var (mb, pb) = MedianAndP10(Both, 100);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"residual D={d} {method}: forward median {mf * 1e3:F2} ms (p10 {pf * 1e3:F2}), forward + backward {mb * 1e3:F2} ms (p10 {pb * 1e3:F2}), {tape.Count} nodes"));
            }

            return;
        }

        if (args.Length > 0 && args[0] == "prf")
        {
            // quick prf [blocks] [hidden] [reps] [threads] [exact|roulette]: one maximum-likelihood step of the conditional
            // proximal residual flow of Hertrich's 50-D mixture problem (d = 50, y of 50, batch 200, K = 3, γ = 1.99, r = 2,
            // condition net 256), the log-det exact (batched Jacobian) or the rescaled Russian-roulette series
            int blocks = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 20;
            int hidden = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 128;
            int reps = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 5;
            bool parallel = args.Length <= 4 || args[4] != "1";
            var logDet = args.Length > 5 && args[5] == "roulette" ? Inference.Flows.Bijectors.ResidualLogDet.RussianRoulette : Inference.Flows.Bijectors.ResidualLogDet.Exact;
            using var rig = new ProximalStepRig(blocks, hidden, parallel, logDet);
            var (median, p10) = MedianAndP10(rig.Step, reps);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"inference float64 prf d=50 blocks={blocks} hidden={hidden} threads={(parallel ? 2 : 1)} logdet={(logDet == Inference.Flows.Bijectors.ResidualLogDet.Exact ? "exact" : "roulette")}: median {median * 1e3:F1} ms, p10 {p10 * 1e3:F1} ms ({rig.ParameterCount} parameters)"));
            return;
        }

        if (args.Length > 0 && args[0] == "steps")
        {
            // median and 10th percentile of single training steps, the statistics tools/torch-realnvp-step.py prints for PyTorch
            var sb = new VariationalBenchmarks { Dimension = int.Parse(args[1], CultureInfo.InvariantCulture) };
            sb.Setup();
            int reps = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 300;
            foreach (var (name, f) in new (string, Func<double>)[] { ("2 threads", sb.TrainingStep), ("1 thread", sb.TrainingStepOneThread) })
            {
                var (median, p10) = MedianAndP10(f, reps);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"inference float64 D={sb.Dimension} {name}: median {median * 1e3:F3} ms, p10 {p10 * 1e3:F3} ms"));
            }

            sb.Dispose();
            return;
        }

        if (args.Length > 0 && args[0] == "nodes")
        {
            int d = int.Parse(args[1], CultureInfo.InvariantCulture);
            var flow = Inference.Flows.FlowDistribution.RealNvp(d, 8, [64, 64], new Randomness.Rng(1));
            var tape = new Inference.Autodiff.Tape();
            var noise = new double[128 * d];
            var (x, logQ) = flow.PushForward(tape.Constant(noise, Inference.Autodiff.Shape.Matrix(128, d)));
            var total = Inference.Autodiff.Ops.Sum(logQ) + Inference.Autodiff.Ops.Sum(Inference.Autodiff.Ops.Square(x));
            tape.Backward(total);
            var counts = new Dictionary<string, (int Count, long Elements)>();
            for (int i = 0; i < tape.Count; i++)
            {
                ref var node = ref tape.Node(i);
                string key = (node.Op?.GetType().Name ?? "leaf") + " " + node.Shape;
                counts[key] = counts.TryGetValue(key, out var v) ? (v.Count + 1, v.Elements + node.Shape.Length) : (1, node.Shape.Length);
            }

            foreach (var (key, v) in counts.OrderByDescending(kv => kv.Value.Elements))
            {
                Console.WriteLine($"{v.Count,4} × {key}");
            }

            return;
        }

        if (args.Length > 0 && args[0] == "gemm")
        {
            // dense-layer products of one half-batch (128 rows) of the D = 10 / 100 RealNVP step
            foreach (var (m, k, n, name) in new[] { (128, 64, 16, "h·W, 16 outputs"), (128, 64, 8, "h·W, 8 outputs"), (128, 10, 64, "g·Wᵀ, k = 10"), (128, 5, 64, "x·W, 5 inputs"), (128, 64, 10, "h·W, 10 outputs"), (128, 64, 5, "g·Wᵀ, 5 inputs"), (128, 64, 64, "h·W, 64 outputs"), (128, 50, 64, "x·W, 50 inputs"), (128, 64, 100, "h·W, 100 outputs") })
            {
                var a = new double[m * k]; var b = new double[k * n]; var c = new double[m * n];
                new Randomness.Rng(1).Normal(a); new Randomness.Rng(2).Normal(b);
                double best = double.MaxValue, bestT = double.MaxValue;
                var ct = new double[k * n];
                for (int rep = 0; rep < 20; rep++)
                {
                    best = Math.Min(best, Minimum(() => { Inference.Autodiff.Kernels.MatMulKernel.Gemm(a, k, 1, b, c, m, k, n, false); return 0; }, 200));
                    bestT = Math.Min(bestT, Minimum(() => { Inference.Autodiff.Kernels.MatMulKernel.Gemm(a, 1, k, c, ct, k, m, n, false); return 0; }, 200));
                }

                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name} [{m}x{k}]·[{k}x{n}]: {best * 1e6:F2} µs (minimum), {m * k * n / best / 1e9:F1} GMAC/s; its weight gradient [{k}x{m}]·[{m}x{n}]: {bestT * 1e6:F2} µs, {m * k * n / bestT / 1e9:F1} GMAC/s"));
            }

            return;
        }

        var mm = new Autodiff.MatMulBenchmarks();
        mm.Setup();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"matmul 256x64x64: {Percentile10(() => { mm.Blocked(); return 0; }, 5000) * 1e6:F1} µs; Vector<double>.Count {System.Numerics.Vector<double>.Count}, Vector512 accelerated {System.Runtime.Intrinsics.Vector512.IsHardwareAccelerated}"));
        int[] dims = args.Length > 0 ? args.Select(a => int.Parse(a, CultureInfo.InvariantCulture)).ToArray() : [10, 100];
        foreach (int d in dims)
        {
            var b = new VariationalBenchmarks { Dimension = d };
            b.Setup();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"D = {d}: step {Percentile10(() => b.TrainingStep(), 200) * 1e3:F3} ms (one thread {Percentile10(() => b.TrainingStepOneThread(), 200) * 1e3:F3} ms), point gradient {Percentile10(() => b.PointGradient(), 2000) * 1e6:F1} µs"));
            b.Dispose();
        }
    }

    private static double Minimum(Func<double> f, int n)
    {
        double best = double.MaxValue;
        for (int i = 0; i < n; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            f();
            best = Math.Min(best, Stopwatch.GetElapsedTime(t0).TotalSeconds);
        }

        return best;
    }

    private static (double Median, double P10) MedianAndP10(Func<double> f, int n)
    {
        for (int i = 0; i < n / 4; i++)
        {
            f();
        }

        var times = new double[n];
        for (int i = 0; i < n; i++)
        {
            long t0 = Stopwatch.GetTimestamp();
            f();
            times[i] = Stopwatch.GetElapsedTime(t0).TotalSeconds;
        }

        Array.Sort(times);
        return (times[n / 2], times[n / 10]);
    }

    // the 10th percentile: robust to other tenants of a shared machine
    private static double Percentile10(Func<double> f, int n) => MedianAndP10(f, n).P10;

    /// <summary>
    /// A flow with Adam, the isotropic Gaussian target written batched, and its reverse-KL step at batch 256 on two
    /// threads and on one, as VariationalBenchmarks sets them up.
    /// </summary>
    private sealed class StepRig : IDisposable
    {
        private readonly Randomness.Rng _rng = new(2);

        public StepRig(Inference.Flows.FlowDistribution flow)
        {
            int d = flow.Dimension;
            Flow = flow;
            Adam = new Inference.Flows.Optimizers.Adam(flow.Parameters(), 1e-3);
            var target = Inference.Densities.LogDensity.FromBatchedTape(d, x => -0.5 * Inference.Autodiff.Ops.Sum(Inference.Autodiff.Ops.Square(x), -1));
            Parallel = new Inference.Flows.Variational.ReverseKlStep(flow, target, 256, 1, false, true);
            Serial = new Inference.Flows.Variational.ReverseKlStep(flow, target, 256, 1, false, false);
            Noise = new double[256 * d];
            _rng.Normal(Noise);
        }

        public Inference.Flows.FlowDistribution Flow { get; }

        public Inference.Flows.Optimizers.Adam Adam { get; }

        public Inference.Flows.Variational.ReverseKlStep Parallel { get; }

        public Inference.Flows.Variational.ReverseKlStep Serial { get; }

        public double[] Noise { get; }

        /// <summary>Fresh base draws, forward and backward, clipping and Adam: one training step.</summary>
        public double TrainingStep(Inference.Flows.Variational.ReverseKlStep step)
        {
            _rng.Normal(Noise);
            double value = step.Run(Noise, 1);
            Adam.ClipGradientNorm(1e4);
            Adam.Step();
            return value;
        }

        public void Dispose()
        {
            Parallel.Dispose();
            Serial.Dispose();
        }
    }
}
