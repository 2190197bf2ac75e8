using BenchmarkDotNet.Attributes;
using Inference.Autodiff;
using Inference.Densities;
using Inference.Models;

namespace Inference.Benchmarks.Modeling;

/// <summary>
/// What the evaluators' guard against use from two threads at once costs: a claim and release of a tape
/// (<see cref="Tape.Begin"/>, one interlocked exchange and a volatile write) beside the smallest reference model's
/// whole gradient, measured in one run, so their ratio is the guard's share of a gradient.
/// </summary>
[Config(typeof(BenchmarkSettings))]
public class EvaluatorGuardBenchmarks
{
    private readonly Tape _tape = new();
    private ILogDensityEvaluator _evaluator = null!;
    private double[] _point = null!;
    private double[] _gradient = null!;

    [GlobalSetup]
    public void Setup()
    {
        var model = EightSchools.NonCentered().Compile();
        _evaluator = model.CreateEvaluator();
        _point = Enumerable.Range(0, model.Dimension).Select(i => 0.1 * (i - 4)).ToArray();
        _gradient = new double[model.Dimension];
    }

    [Benchmark(Description = "tape claim and release (the guard)")]
    public int Guard()
    {
        using var session = _tape.Begin();
        return _tape.Count;
    }

    [Benchmark(Baseline = true, Description = "eight schools NC: log-density + gradient")]
    public double Gradient() => _evaluator.LogDensityAndGradient(_point, _gradient);
}
