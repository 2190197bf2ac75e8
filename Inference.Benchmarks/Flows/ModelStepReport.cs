using System.Diagnostics;
using System.Globalization;
using Inference.Autodiff;
using Inference.Densities;
using Inference.Flows;
using Inference.Flows.Optimizers;
using Inference.Flows.Variational;
using Inference.Models;
using Inference.Randomness;

namespace Inference.Benchmarks.Flows;

/// <summary>
/// <c>… -- vi-model-step [rounds] [steps]</c>: one reverse-KL training step as VariationalFit runs it (batch 256, RealNVP
/// 8 × MLP 2×64, the batch in two halves on two threads, clip, Adam) on compiled models, with the batch evaluated in one
/// tape pass ("batched") and row by row as before ("rows", the model wrapped so that its batch call loops over points),
/// next to the same flow's step on a batched isotropic Gaussian of the same dimension. The targets are measured in turn,
/// round after round (medians over rounds of each round's median), so that the ratios are side by side on a shared
/// machine. The model's share of a step is (step − Gaussian step) / step. Bytes allocated per step after warm-up are
/// counted over all threads.
/// </summary>
internal static class ModelStepReport
{
    public static void Run(string[] args)
    {
        var inv = CultureInfo.InvariantCulture;
        var (x, y) = LogisticRegression.Simulate(5000, 25, 1);
        if (args.Length > 0 && args[0] == "loop")
        {
            // a steady load for a profiler: the logistic model's batched evaluation of half a batch (128 points)
            var ev = LogisticRegression.Create(x, y).Compile().CreateEvaluator();
            var pts = new double[128 * 26];
            new Rng(3).Normal(pts);
            var vals = new double[128];
            var grads = new double[128 * 26];
            var until = Stopwatch.GetTimestamp() + (long)(double.Parse(args[1], inv) * Stopwatch.Frequency);
            int calls = 0;
            long t0 = Stopwatch.GetTimestamp();
            while (Stopwatch.GetTimestamp() < until)
            {
                ev.LogDensityAndGradientBatch(pts, vals, grads);
                calls++;
            }

            Console.WriteLine(string.Create(inv, $"{Stopwatch.GetElapsedTime(t0).TotalMilliseconds / calls:F3} ms per 128-point batch"));
            var tape = new Tape();
            var zeros = new Tensor(new double[5000], Shape.Vector(5000));
            var yt = Tensor.FromVector(y);
            var beta = new double[128 * 25];
            new Rng(4).Normal(beta);
            for (int rep = 0; rep < 3; rep++)
            {
                tape.Reset();
                var b = tape.Variable(beta, Shape.Matrix(128, 25));
                long a0 = Stopwatch.GetTimestamp();
                var eta = Ops.Linear(b, tape.Constant(x), tape.Constant(zeros));
                long a1 = Stopwatch.GetTimestamp();
                var prod = tape.Constant(yt) * eta;
                long a2 = Stopwatch.GetTimestamp();
                var sp = Ops.Softplus(eta);
                long a3 = Stopwatch.GetTimestamp();
                var lp = Ops.Sum(prod - sp);
                long a4 = Stopwatch.GetTimestamp();
                tape.Backward(lp);
                long a5 = Stopwatch.GetTimestamp();
                double Ms(long p, long q) => (q - p) * 1e3 / Stopwatch.Frequency;
                Console.WriteLine(string.Create(inv, $"linear {Ms(a0, a1):F2} ms, y·eta {Ms(a1, a2):F2}, softplus {Ms(a2, a3):F2}, sub+sum {Ms(a3, a4):F2}, backward {Ms(a4, a5):F2}"));
            }

            return;
        }

        if (args.Length > 0 && args[0] == "eval")
        {
            // the model's batch call alone, 128 points (half a step's batch), batched and row by row, in turn
            var models = new (string, Inference.Modeling.CompiledModel)[]
            {
                ("logistic 5000×25", LogisticRegression.Create(x, y).Compile()),
                ("logistic, GLM node", LogisticRegression.Create(x, y, glm: true).Compile()),
                ("eight schools", PosteriorCatalog.Load("eight_schools-eight_schools_noncentered", ReferenceData.Posteriors).Compile()),
                ("kid IQ", PosteriorCatalog.Load("kidiq-kidscore_momiq", ReferenceData.Posteriors).Compile()),
                ("sblrc", PosteriorCatalog.Load("sblrc-blr", ReferenceData.Posteriors).Compile()),
            };
            foreach (var (name, model) in models)
            {
                int dd = model.Dimension;
                var batched = model.CreateEvaluator();
                var rows = new RowByRow(model).CreateEvaluator();
                var p = new double[128 * dd];
                new Rng(3).Normal(p);
                for (int i = 0; i < p.Length; i++)
                {
                    p[i] *= 0.3;
                }

                var v = new double[128];
                var gr = new double[128 * dd];
                var tb = new List<double>();
                var tr = new List<double>();
                for (int rep = 0; rep < 15; rep++)
                {
                    foreach (var (e, list) in new[] { (batched, tb), (rows, tr) })
                    {
                        long t0 = Stopwatch.GetTimestamp();
                        e.LogDensityAndGradientBatch(p, v, gr);
                        list.Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds);
                    }
                }

                double mb = Median(tb.Skip(3).ToList()), mr = Median(tr.Skip(3).ToList());
                Console.WriteLine(string.Create(inv, $"{name,-20} batched {mb:F3} ms, rows {mr:F3} ms per 128 points: {mr / mb:F2}×"));
            }

            return;
        }

        if (args.Length > 0 && args[0] == "cpu")
        {
            RunCpu(args.Length > 1 ? int.Parse(args[1], inv) : 5, args.Length > 2 ? int.Parse(args[2], inv) : 30, x, y);
            return;
        }

        int rounds = args.Length > 0 ? int.Parse(args[0], inv) : 5;
        int steps = args.Length > 1 ? int.Parse(args[1], inv) : 40;
        var targets = new (string Name, Inference.Modeling.CompiledModel Model)[]
        {
            ("logistic 5000×25", LogisticRegression.Create(x, y).Compile()),
            ("logistic, GLM node", LogisticRegression.Create(x, y, glm: true).Compile()),
            ("eight schools", PosteriorCatalog.Load("eight_schools-eight_schools_noncentered", ReferenceData.Posteriors).Compile()),
            ("kid IQ", PosteriorCatalog.Load("kidiq-kidscore_momiq", ReferenceData.Posteriors).Compile()),
            ("sblrc", PosteriorCatalog.Load("sblrc-blr", ReferenceData.Posteriors).Compile()),
        };

        var rigs = new List<(string Target, string Mode, Rig Rig)>();
        foreach (var (name, model) in targets)
        {
            int d = model.Dimension;
            rigs.Add((name, "gaussian", new Rig(LogDensity.FromBatchedTape(d, v => -0.5 * Ops.Sum(Ops.Square(v), -1)))));
            rigs.Add((name, "batched", new Rig(model)));
            rigs.Add((name, "rows", new Rig(new RowByRow(model))));
        }

        var medians = rigs.Select(_ => new List<double>()).ToArray();
        var bytes = new long[rigs.Count];
        for (int i = 0; i < rigs.Count; i++)
        {
            for (int w = 0; w < 5; w++)
            {
                rigs[i].Rig.Step();
            }

            long before = GC.GetTotalAllocatedBytes(precise: true);
            for (int s = 0; s < 20; s++)
            {
                rigs[i].Rig.Step();
            }

            bytes[i] = (GC.GetTotalAllocatedBytes(precise: true) - before) / 20;
        }

        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < rigs.Count; i++)
            {
                var times = new double[steps];
                for (int s = 0; s < steps; s++)
                {
                    long t0 = Stopwatch.GetTimestamp();
                    rigs[i].Rig.Step();
                    times[s] = Stopwatch.GetElapsedTime(t0).TotalMilliseconds;
                }

                Array.Sort(times);
                medians[i].Add(times[steps / 2]);
            }
        }

        Console.WriteLine(string.Create(inv, $"VI step, batch 256, RealNVP 8 × MLP 2×64, two threads; median over {rounds} rounds of {steps} steps, targets in turn"));
        Console.WriteLine("target              d   gaussian ms  batched ms  rows ms   batched/gauss  rows/gauss  share batched  share rows  B/step (g, b, r)");
        for (int t = 0; t < targets.Length; t++)
        {
            double g = Median(medians[3 * t]), b = Median(medians[(3 * t) + 1]), rw = Median(medians[(3 * t) + 2]);
            Console.WriteLine(string.Create(inv,
                $"{targets[t].Name,-18} {targets[t].Model.Dimension,3} {g,10:F3} {b,11:F3} {rw,9:F3} {b / g,12:F2} {rw / g,11:F2} {Math.Max(0, (b - g) / b),12:P0} {Math.Max(0, (rw - g) / rw),11:P0}   {bytes[3 * t]}, {bytes[(3 * t) + 1]}, {bytes[(3 * t) + 2]}"));
            Console.WriteLine(string.Create(inv, $"  batched fallback: {targets[t].Model.BatchFallbackReason ?? "none"}"));
        }

        foreach (var (_, _, rig) in rigs)
        {
            rig.Dispose();
        }
    }

    // vi-model-step cpu [rounds] [steps]: the batched targets against the Gaussian, in turn, timed by the process's CPU
    // clock (all threads, clock_gettime(CLOCK_PROCESS_CPUTIME_ID)) as well as the wall clock: on a machine shared with
    // other work the wall clock of a step swings several-fold from second to second, its CPU time much less
    private static void RunCpu(int rounds, int steps, Tensor x, double[] y)
    {
        var inv = CultureInfo.InvariantCulture;
        var targets = new (string Name, Inference.Modeling.CompiledModel Model)[]
        {
            ("logistic, GLM node", LogisticRegression.Create(x, y, glm: true).Compile()),
            ("logistic 5000×25", LogisticRegression.Create(x, y).Compile()),
            ("eight schools", PosteriorCatalog.Load("eight_schools-eight_schools_noncentered", ReferenceData.Posteriors).Compile()),
            ("kid IQ", PosteriorCatalog.Load("kidiq-kidscore_momiq", ReferenceData.Posteriors).Compile()),
            ("sblrc", PosteriorCatalog.Load("sblrc-blr", ReferenceData.Posteriors).Compile()),
        };
        var rigs = new List<Rig>();
        foreach (var (_, model) in targets)
        {
            int d = model.Dimension;
            rigs.Add(new Rig(LogDensity.FromBatchedTape(d, v => -0.5 * Ops.Sum(Ops.Square(v), -1))));
            rigs.Add(new Rig(model));
        }

        var cpu = rigs.Select(_ => new List<double>()).ToArray();
        var wall = rigs.Select(_ => new List<double>()).ToArray();
        foreach (var rig in rigs)
        {
            for (int w = 0; w < 5; w++)
            {
                rig.Step();
            }
        }

        for (int r = 0; r < rounds; r++)
        {
            for (int i = 0; i < rigs.Count; i++)
            {
                double c0 = CpuSeconds();
                long t0 = Stopwatch.GetTimestamp();
                for (int s = 0; s < steps; s++)
                {
                    rigs[i].Step();
                }

                wall[i].Add(Stopwatch.GetElapsedTime(t0).TotalMilliseconds / steps);
                cpu[i].Add((CpuSeconds() - c0) * 1e3 / steps);
            }
        }

        Console.WriteLine(string.Create(inv, $"VI step, batch 256, RealNVP 8 × MLP 2×64, two threads; medians over {rounds} rounds of {steps} steps, targets in turn; CPU ms are all threads' CPU time per step"));
        Console.WriteLine("target               d  gauss CPU ms  model CPU ms  CPU ratio  share(CPU) | gauss wall ms  model wall ms  wall ratio");
        for (int t = 0; t < targets.Length; t++)
        {
            double gc = Median(cpu[2 * t]), mc = Median(cpu[(2 * t) + 1]), gw = Median(wall[2 * t]), mw = Median(wall[(2 * t) + 1]);
            Console.WriteLine(string.Create(inv,
                $"{targets[t].Name,-19} {targets[t].Model.Dimension,3} {gc,12:F3} {mc,13:F3} {mc / gc,10:F2} {Math.Max(0, (mc - gc) / mc),10:P0} | {gw,13:F3} {mw,14:F3} {mw / gw,11:F2}   fallback: {targets[t].Model.BatchFallbackReason ?? "none"}"));
        }

        foreach (var rig in rigs)
        {
            rig.Dispose();
        }
    }

    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out TimeSpec time);

    [System.Runtime.InteropServices.StructLayout(System.Runtime.InteropServices.LayoutKind.Sequential)]
    private struct TimeSpec
    {
        public long Seconds;
        public long Nanoseconds;
    }

    // CLOCK_PROCESS_CPUTIME_ID = 2 on Linux; elsewhere the process's TotalProcessorTime
    private static double CpuSeconds()
    {
        if (OperatingSystem.IsLinux() && ClockGetTime(2, out var ts) == 0)
        {
            return ts.Seconds + (ts.Nanoseconds * 1e-9);
        }

        return Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds;
    }

    private static double Median(List<double> v)
    {
        var a = v.ToArray();
        Array.Sort(a);
        return a[a.Length / 2];
    }

    private sealed class Rig : IDisposable
    {
        private readonly Rng _rng = new(2);
        private readonly Adam _adam;
        private readonly ReverseKlStep _step;
        private readonly double[] _noise;

        public Rig(ILogDensity target)
        {
            int d = target.Dimension;
            var flow = FlowDistribution.RealNvp(d, 8, [64, 64], new Rng(1));
            _adam = new Adam(flow.Parameters(), 1e-4);
            _step = new ReverseKlStep(flow, target, 256, 1, stickingTheLanding: false, parallel: true);
            _noise = new double[256 * d];
        }

        public double Step()
        {
            _rng.Normal(_noise);
            for (int i = 0; i < _noise.Length; i++)
            {
                _noise[i] *= 0.3;   // draws near the origin of the unconstrained space, where the models are finite
            }

            double value = _step.Run(_noise, 1);
            _adam.ClipGradientNorm(1e4);
            _adam.Step();
            return value;
        }

        public void Dispose() => _step.Dispose();
    }

    // the model as VI saw it before batching: its batch call runs the body once per point
    private sealed class RowByRow(ILogDensity inner) : ILogDensity
    {
        public int Dimension => inner.Dimension;

        public IReadOnlyList<string> CoordinateNames => inner.CoordinateNames;

        public ILogDensityEvaluator CreateEvaluator() => new Evaluator(inner.CreateEvaluator());

        private sealed class Evaluator(ILogDensityEvaluator e) : ILogDensityEvaluator
        {
            public int Dimension => e.Dimension;

            public double LogDensity(ReadOnlySpan<double> x) => e.LogDensity(x);

            public double LogDensityAndGradient(ReadOnlySpan<double> x, Span<double> gradient) => e.LogDensityAndGradient(x, gradient);

            public void LogDensityAndGradientBatch(ReadOnlySpan<double> points, Span<double> values, Span<double> gradients)
            {
                int d = e.Dimension;
                for (int b = 0; b < values.Length; b++)
                {
                    values[b] = e.LogDensityAndGradient(points.Slice(b * d, d), gradients.Slice(b * d, d));
                }
            }
        }
    }
}
