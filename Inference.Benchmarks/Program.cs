using BenchmarkDotNet.Running;

namespace Inference.Benchmarks;

/// <summary>Runs the BenchmarkDotNet suite: <c>dotnet run -c Release --project Inference.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
