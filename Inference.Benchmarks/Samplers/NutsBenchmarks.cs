using BenchmarkDotNet.Attributes;
using Inference.Densities;
using Inference.Models;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;
using Inference.Samplers.Kernels;
using Inference.Samplers.Running;

namespace Inference.Benchmarks.Samplers;

/// <summary>
/// One NUTS transition per reference model with the step size and metric adapted by a warmup run (time
/// and allocation per transition; draws per second = 1 / time).
/// </summary>
[Config(typeof(BenchmarkSettings))]
public class NutsBenchmarks
{
    private readonly Nuts _kernel = new();
    private ILogDensityEvaluator _evaluator = null!;
    private PhasePoint _state = null!;
    private KernelParameters _parameters = null!;
    private Rng _rng = null!;
    private IChainKernel _chain = null!;

    [ParamsSource(nameof(Names))]
    public string Posterior { get; set; } = "";

    public static IEnumerable<string> Names() => PosteriorCatalog.Names;

    [GlobalSetup]
    public void Setup()
    {
        var model = PosteriorCatalog.Load(Posterior, ReferenceData.Posteriors).Compile();
        var warm = ChainRunner.Nuts(model, new RunSettings { Chains = 1, Draws = 1, Seed = 1 });
        var chain = warm.Chains[0];
        _parameters = new KernelParameters(chain.StepSize, Metric.Diagonal(chain.InverseMetricDiagonal.ToArray()));
        _evaluator = model.CreateEvaluator();
        _state = new PhasePoint(model.Dimension);
        // start from the warm chain's last draw (a random initial point is far out in the tails, where every
        // transition with the adapted step size diverges at once and the benchmark would time failures)
        int parameters = model.Layout.ParameterNames.Count;
        var last = chain.Values.AsSpan((chain.Draws - 1) * chain.Columns, parameters);
        model.Unconstrain(last).CopyTo(_state.Position, 0);
        _state.LogDensity = _evaluator.LogDensityAndGradient(_state.Position, _state.Gradient);
        _rng = new Rng(3);
        _chain = _kernel.CreateChain(model.Dimension);
        for (int i = 0; i < 200; i++)
        {
            _chain.Move(_state, _evaluator, _parameters, _rng);
        }
    }

    [Benchmark(Description = "NUTS transition")]
    public int Transition() => _chain.Move(_state, _evaluator, _parameters, _rng).LeapfrogSteps;
}
