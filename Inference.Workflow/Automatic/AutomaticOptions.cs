using Inference.Results;
using Inference.Samplers.Running;

namespace Inference.Workflow.Automatic;

/// <summary>
/// Options of the automatic call. None needs setting: the defaults are the tested pipeline; the knobs are for
/// experiments and for a smaller budget.
/// </summary>
public sealed record AutomaticOptions
{
    /// <summary>Root seed of every random choice.</summary>
    public ulong Seed { get; init; } = 1;

    /// <summary>Chains of the final run.</summary>
    public int Chains { get; init; } = 4;

    /// <summary>Local (NUTS) transitions per chain in the final run (global moves come on top).</summary>
    public int Transitions { get; init; } = 1000;

    /// <summary>Warmup iterations of each NeuTra run (chains start at flow draws, so a short warmup suffices).</summary>
    public int Warmup { get; init; } = 300;

    /// <summary>Reverse-KL steps of the flow fit.</summary>
    public int FlowIterations { get; init; } = 1500;

    /// <summary>Reverse-KL fits from independent starts; the one with the lowest k̂ is kept.</summary>
    public int FlowRestarts { get; init; } = 1;

    /// <summary>Adam's learning rate of the reverse-KL fit (decayed by a cosine schedule to <see cref="FlowLearningRateFloor"/> of it).</summary>
    public double FlowLearningRate { get; init; } = 1e-3;

    /// <summary>The share of <see cref="FlowLearningRate"/> the cosine schedule ends at (1: a constant rate).</summary>
    public double FlowLearningRateFloor { get; init; } = 1;

    /// <summary>Draws per chain of the pilot NeuTra run (after its warmup).</summary>
    public int PilotDraws { get; init; } = 300;

    /// <summary>Target acceptance of NeuTra-NUTS in the final run.</summary>
    public double TargetAcceptance { get; init; } = 0.9;

    /// <summary>Target acceptance of the pilot NeuTra run (at least <see cref="TargetAcceptance"/>).</summary>
    public double PilotTargetAcceptance { get; init; } = 0.9;

    /// <summary>Forward-KL steps of the refit on the pilot run's draws (0: never refit).</summary>
    public int RefitIterations { get; init; } = 500;

    /// <summary>The flow family of the transport map.</summary>
    public FlowFamily Flow { get; init; } = FlowFamily.RealNvp;

    /// <summary>Flow layers (MLP hidden widths <see cref="FlowHidden"/>).</summary>
    public int FlowLayers { get; init; } = 6;

    /// <summary>
    /// Whether the RealNVP couplings' networks also read the squares of their inputs, so that shifts extrapolate
    /// quadratically beyond the fitted range (a banana's x2 ≈ x1² in its tails) instead of linearly. null (the default):
    /// both flows are fitted and the one with the higher ELBO is kept (measured: the squared inputs win on rosenbrock2
    /// by 0.1 nats and lose on funnel10 and eight schools by 0.05–0.3).
    /// </summary>
    public bool? FlowSquaredInputs { get; init; }

    /// <summary>Hidden widths of each layer's MADE.</summary>
    public IReadOnlyList<int> FlowHidden { get; init; } = [48, 48];

    /// <summary>
    /// Most global moves per local transition in the final run (their number follows the pilot's global acceptance).
    /// </summary>
    public int MaxGlobalSteps { get; init; } = 10;

    /// <summary>
    /// Automatic non-centering of a model's location–scale terms (<see cref="Inference.Modeling.NonCenteredBijector"/>;
    /// only for a compiled model with such a term). null (the default): a full-rank Gaussian is fitted by reverse KL to
    /// the model as written and to its non-centered form, and the form with the higher ELBO (comparable: the Jacobian is
    /// part of the density) is sampled; true: always the non-centered form; false: never.
    /// </summary>
    public bool? NonCentering { get; init; }

    /// <summary>Reverse-KL steps of each full-rank Gaussian fit that decides between the centered and non-centered forms.</summary>
    public int NonCenteringIterations { get; init; } = 400;

    /// <summary>Starting points of the mode search (L-BFGS), which decides between NeuTra and flowMC.</summary>
    public int ModeSearchStarts { get; init; } = 7;

    /// <summary>Above this dimension no flow is fitted: a near-Gaussian posterior uses its Laplace map, any other dense-metric NUTS.</summary>
    public int MaxFlowDimension { get; init; } = 50;

    /// <summary>Threads (chains run at once; the draws do not depend on it).</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>Checks the options.</summary>
    public void Validate()
    {
#pragma warning disable CA2208 // the exceptions name the offending option
        ArgumentOutOfRangeException.ThrowIfLessThan(Chains, 2, nameof(Chains));
        ArgumentOutOfRangeException.ThrowIfLessThan(Transitions, 10, nameof(Transitions));
        ArgumentOutOfRangeException.ThrowIfLessThan(Warmup, 20, nameof(Warmup));
        ArgumentOutOfRangeException.ThrowIfLessThan(FlowIterations, 1, nameof(FlowIterations));
        ArgumentOutOfRangeException.ThrowIfNegative(RefitIterations, nameof(RefitIterations));
        ArgumentOutOfRangeException.ThrowIfLessThan(NonCenteringIterations, 1, nameof(NonCenteringIterations));
        if (!(FlowLearningRate > 0) || !double.IsFinite(FlowLearningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(FlowLearningRate), FlowLearningRate, "Must be positive and finite.");
        }

        if (!(FlowLearningRateFloor > 0 && FlowLearningRateFloor <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(FlowLearningRateFloor), FlowLearningRateFloor, "Must be in (0, 1].");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(PilotDraws, 10, nameof(PilotDraws));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FlowRestarts, nameof(FlowRestarts));
        if (!(PilotTargetAcceptance > 0 && PilotTargetAcceptance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(PilotTargetAcceptance), PilotTargetAcceptance, "Must be in (0, 1).");
        }

        if (!(TargetAcceptance > 0 && TargetAcceptance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TargetAcceptance), TargetAcceptance, "Must be in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(FlowLayers, nameof(FlowLayers));

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ModeSearchStarts, nameof(ModeSearchStarts));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxGlobalSteps, nameof(MaxGlobalSteps));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxFlowDimension, nameof(MaxFlowDimension));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxDegreeOfParallelism, nameof(MaxDegreeOfParallelism));
        if (FlowHidden is null || FlowHidden.Count == 0 || FlowHidden.Any(h => h <= 0))
        {
            throw new ArgumentException("FlowHidden needs at least one positive width.", nameof(FlowHidden));
        }
#pragma warning restore CA2208
    }
}

/// <summary>The flow family the automatic call fits.</summary>
public enum FlowFamily
{
    /// <summary>Inverse autoregressive flow: fast in the sampling direction NeuTra uses; its inverse (for the forward-KL refit) costs D passes.</summary>
    InverseAutoregressive,

    /// <summary>RealNVP affine couplings: fast both ways.</summary>
    RealNvp,
}

/// <summary>What the automatic call chose.</summary>
public enum AutomaticMethod
{
    /// <summary>NeuTra-NUTS (with global independence moves) on a fitted flow.</summary>
    NeuTraFlow,

    /// <summary>NeuTra-NUTS on the Laplace approximation's affine map (a near-Gaussian posterior).</summary>
    NeuTraLaplace,

    /// <summary>flowMC: separated modes.</summary>
    FlowMc,

    /// <summary>Dense-metric NUTS: no transport map could be trusted.</summary>
    DenseNuts,
}

/// <summary>Which stage the automatic call is in.</summary>
/// <param name="Stage">"laplace", "flow", "pilot", "refit", "sampling" or "flowmc".</param>
/// <param name="Detail">What the stage just did, in words.</param>
public readonly record struct AutomaticProgress(string Stage, string Detail);

/// <summary>The outcome of the automatic call: the draws, the decision and why, and every diagnostic.</summary>
public sealed class AutomaticResult
{
    internal AutomaticResult(PosteriorDraws? draws, AutomaticMethod method, IReadOnlyList<string> reasons, IReadOnlyList<string> warnings, AutomaticDiagnostics diagnostics)
    {
        Draws = draws;
        Method = method;
        Reasons = reasons;
        Warnings = warnings;
        Diagnostics = diagnostics;
        Summary = draws?.Summary();
    }

    /// <summary>The draws of the final run (null only when cancelled before any sampling).</summary>
    public PosteriorDraws? Draws { get; }

    /// <summary>The method that produced <see cref="Draws"/>.</summary>
    public AutomaticMethod Method { get; }

    /// <summary>The decisions made and why, in order (one sentence each).</summary>
    public IReadOnlyList<string> Reasons { get; }

    /// <summary>Everything that says the draws should not be trusted, each naming its cause; empty when nothing does.</summary>
    public IReadOnlyList<string> Warnings { get; }

    /// <summary>The figures behind the decisions.</summary>
    public AutomaticDiagnostics Diagnostics { get; }

    /// <summary>The summary of the draws (null without draws).</summary>
    public PosteriorSummary? Summary { get; }

    /// <summary>False when cancelled (the draws, if any, are those made before it stopped).</summary>
    public bool Completed => Draws?.Completed ?? false;
}

/// <summary>The figures the automatic call decided on (NaN where a stage did not run).</summary>
public sealed record AutomaticDiagnostics
{
    /// <summary>Distinct modes the search found (sound Laplace approximations far apart).</summary>
    public int Modes { get; init; }

    /// <summary>The parameters sampled in their non-centered form (empty: the model as written).</summary>
    public IReadOnlyList<string> NonCenteredParameters { get; init; } = [];

    /// <summary>ELBO of the full-rank Gaussian fit to the model as written (NaN: not fitted).</summary>
    public double CenteredGaussianElbo { get; init; } = double.NaN;

    /// <summary>ELBO of the full-rank Gaussian fit to the non-centered form (NaN: not fitted).</summary>
    public double NonCenteredGaussianElbo { get; init; } = double.NaN;

    /// <summary>Whether the Laplace approximation at the best mode was sound (converged, positive-definite curvature).</summary>
    public bool LaplaceSound { get; init; }

    /// <summary>PSIS k̂ of the Laplace approximation as a proposal.</summary>
    public double LaplaceParetoK { get; init; } = double.NaN;

    /// <summary>ELBO of the Laplace approximation.</summary>
    public double LaplaceElbo { get; init; } = double.NaN;

    /// <summary>PSIS k̂ of the reverse-KL flow.</summary>
    public double FlowParetoK { get; init; } = double.NaN;

    /// <summary>ELBO of the reverse-KL flow.</summary>
    public double FlowElbo { get; init; } = double.NaN;

    /// <summary>Whether the flow kept has couplings that read their inputs' squares (<see cref="AutomaticOptions.FlowSquaredInputs"/>).</summary>
    public bool FlowSquaredInputs { get; init; }

    /// <summary>PSIS k̂ of the flow after the forward-KL refit.</summary>
    public double RefitParetoK { get; init; } = double.NaN;

    /// <summary>PSIS k̂ of the map the final run used.</summary>
    public double ParetoK { get; init; } = double.NaN;

    /// <summary>Acceptance of the global moves in the pilot run.</summary>
    public double PilotGlobalAcceptance { get; init; } = double.NaN;

    /// <summary>Share of divergent local transitions in the pilot run.</summary>
    public double PilotDivergentShare { get; init; } = double.NaN;

    /// <summary>Global moves per local transition in the final run.</summary>
    public int GlobalSteps { get; init; }

    /// <summary>Acceptance of the global moves in the final run (flowMC: its global acceptance).</summary>
    public double GlobalAcceptance { get; init; } = double.NaN;

    /// <summary>Share of divergent local transitions in the final run.</summary>
    public double DivergentShare { get; init; } = double.NaN;

    /// <summary>Gradient (or log-density) evaluations of the whole call: fits, pilot and final run.</summary>
    public long Evaluations { get; init; }

    /// <summary>Wall time of each stage.</summary>
    public IReadOnlyDictionary<string, TimeSpan> StageTimes { get; init; } = new Dictionary<string, TimeSpan>();

    /// <summary>The settings of the final run.</summary>
    public RunSettings? FinalSettings { get; init; }
}
