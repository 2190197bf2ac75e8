using BenchmarkDotNet.Attributes;
using Inference.Densities;
using Inference.Models;

namespace Inference.Benchmarks.Modeling;

/// <summary>
/// Gradient time of each reference model (log-density and gradient on the unconstrained space, at a
/// posterior point from the fixtures), to compare with Stan's µs per gradient in
/// reference/fixtures/stan-nuts-figures.json.
/// </summary>
[Config(typeof(BenchmarkSettings))]
public class ReferenceModelBenchmarks
{
    private ILogDensityEvaluator _evaluator = null!;
    private double[] _point = null!;
    private double[] _gradient = null!;

    [ParamsSource(nameof(Names))]
    public string Posterior { get; set; } = "";

    public static IEnumerable<string> Names() => PosteriorCatalog.Names;

    [GlobalSetup]
    public void Setup()
    {
        var model = PosteriorCatalog.Load(Posterior, ReferenceData.Posteriors).Compile();
        _evaluator = model.CreateEvaluator();
        using var fixture = ReferenceData.Json("fixtures", "logdensity", Posterior + ".json");
        _point = fixture.RootElement.GetProperty("points")[5].GetProperty("unconstrained").EnumerateArray().Select(e => e.GetDouble()).ToArray();
        _gradient = new double[model.Dimension];
    }

    [Benchmark(Description = "log-density + gradient")]
    public double Gradient() => _evaluator.LogDensityAndGradient(_point, _gradient);
}
