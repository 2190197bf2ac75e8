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
            // a steady workload for a sampling profiler: dotnet-trace collect -- … quick loop D seconds [point]
            var lb = new VariationalBenchmarks { Dimension = int.Parse(args[1], CultureInfo.InvariantCulture) };
            lb.Setup();
            var until = Stopwatch.GetTimestamp() + (long)(double.Parse(args[2], CultureInfo.InvariantCulture) * Stopwatch.Frequency);
            bool point = args.Length > 3 && args[3] == "point";
            while (Stopwatch.GetTimestamp() < until)
            {
                _ = point ? lb.PointGradient() : lb.TrainingStep();
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

    private static double Percentile10(Func<double> f, int n)
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
        return times[n / 10]; // the 10th percentile: robust to other tenants of a shared machine
    }
}
