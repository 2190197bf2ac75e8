using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Jobs;

namespace Inference.Benchmarks;

/// <summary>
/// One short job for every benchmark (2-core machines): 1 launch, 6 warmups, 15 measured iterations, allocation counts,
/// and the median and minimum next to the mean (the PyTorch figures are medians; on shared machines the minimum is the
/// steadiest figure).
/// </summary>
public sealed class BenchmarkSettings : ManualConfig
{
    public BenchmarkSettings()
    {
        AddJob(Job.Default.WithLaunchCount(1).WithWarmupCount(6).WithIterationCount(15));
        AddDiagnoser(MemoryDiagnoser.Default);
        AddColumn(StatisticColumn.Median, StatisticColumn.Min);
        WithOptions(ConfigOptions.DisableOptimizationsValidator);
    }
}
