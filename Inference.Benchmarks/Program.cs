using System.Globalization;
using BenchmarkDotNet.Running;
using Inference.Benchmarks.Samplers;

namespace Inference.Benchmarks;

/// <summary>
/// Runs the BenchmarkDotNet suite: <c>dotnet run -c Release --project Inference.Benchmarks -- --filter '*'</c>;
/// or the sampler efficiency report: <c>… -- nuts-report [seeds]</c>; or the flow quality comparison with normflows:
/// <c>… -- flow-report [seeds] [targets] [flows]</c>; or VI on the reference posteriors:
/// <c>… -- vi-report seeds=N posteriors=a,b flows=x,y iterations=N init=laplace|standard lr=X cosine=true</c>; or
/// <c>… -- flow-mcmc-report seeds=N posteriors=a,b methods=x,y</c> (flow-accelerated MCMC against NUTS); or
/// <c>… -- quick</c>, stopwatch 10th percentiles of the flow steps for quick comparisons while tuning
/// (BenchmarkDotNet's figures are the ones to report), with <c>quick gemm</c> (the step's matrix products),
/// <c>quick nodes D</c> (the step's tape, by op and shape) and <c>quick loop D seconds [step|serial|point]</c>
/// (a steady load for a profiler) and <c>quick parts D</c> (the step split into its parts); or the proximal residual
/// flow experiments: <c>… -- prf-report toy|circle|mixture [steps] [blocks]</c>; or the distributed runner's throughput
/// on a local 2-silo cluster: <c>… -- grid-report [cells] [seconds]</c>; or <c>… -- vi-model-step [rounds] [steps]</c>
/// (a VI step on compiled models, batched and row by row, against a batched Gaussian).
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "nuts-report")
        {
            NutsReport.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5);
            return;
        }

        if (args.Length > 0 && args[0] == "grid-report")
        {
            Distributed.GridReport.Run(args.Skip(1).ToArray());
            return;
        }

        if (args.Length > 0 && args[0] == "flow-mcmc-report")
        {
            FlowMcmcReport.Run(args.Skip(1).ToArray());
            return;
        }

        if (args.Length > 0 && args[0] == "vi-report")
        {
            Flows.VariationalReport.Run(args.Skip(1).ToArray());
            return;
        }

        if (args.Length > 0 && args[0] == "flow-report")
        {
            Flows.FlowReport.Run(args.Skip(1).ToArray());
            return;
        }

        if (args.Length > 0 && args[0] == "prf-report")
        {
            Flows.ProximalReport.Run(args.Skip(1).ToArray());
            return;
        }

        if (args.Length > 0 && args[0] == "parallel-chains")
        {
            ParallelChainsReport.Run(args.Skip(1).ToArray());
            return;
        }

        if (args.Length > 0 && args[0] == "nuts-once")
        {
            StanSideRun.Run(args.Skip(1).ToArray());
            return;
        }

        if (args.Length > 0 && args[0] == "vi-model-step")
        {
            Flows.ModelStepReport.Run(args.Skip(1).ToArray());
            return;
        }

        if (args.Length > 0 && args[0] == "quick")
        {
            QuickTiming.Run(args.Skip(1).ToArray());
            return;
        }

        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
    }
}
