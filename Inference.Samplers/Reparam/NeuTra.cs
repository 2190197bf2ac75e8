using Inference.Densities;
using Inference.Randomness;
using Inference.Results;
using Inference.Samplers.Kernels;
using Inference.Samplers.Population;
using Inference.Samplers.Running;
using Inference.Transforms;

namespace Inference.Samplers.Reparam;

/// <summary>Options of <see cref="NeuTra.Sample"/>.</summary>
public sealed record NeuTraOptions
{
    /// <summary>The kernel run in the flow's base space (default NUTS; <see cref="StaticHmc"/> gives NeuTra-HMC).</summary>
    public IMcmcKernel? Kernel { get; init; }

    /// <summary>Start each chain at a draw z ~ N(0, I) of the base (a draw of the flow), so a short warmup suffices (default true).</summary>
    public bool StartFromFlowDraws { get; init; } = true;

    /// <summary>
    /// Global moves after each local transition (<see cref="LocalGlobalKernel"/>): independence proposals in the base
    /// space, that is draws of the flow (with a heavier-tailed base, <see cref="GlobalDegreesOfFreedom"/>), scored in one
    /// batch. 0 (the default) runs the local kernel alone.
    /// </summary>
    public int GlobalSteps { get; init; }

    /// <summary>
    /// ν of the Student-t component of the global moves' proposal in the base space (default 3): the proposal is
    /// (1 − w)·N(0, I) + w·t_ν(0, I) with w = <see cref="GlobalHeavyTailWeight"/>. 0 proposes from N(0, I) alone, whose
    /// importance weights are unbounded wherever the flow's tails are too light.
    /// </summary>
    public int GlobalDegreesOfFreedom { get; init; } = 3;

    /// <summary>w, the share of heavy-tailed proposals (default 0.3).</summary>
    public double GlobalHeavyTailWeight { get; init; } = 0.3;

    /// <summary>Checks the options.</summary>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(GlobalSteps);
        ArgumentOutOfRangeException.ThrowIfNegative(GlobalDegreesOfFreedom);
        if (!(GlobalHeavyTailWeight > 0 && GlobalHeavyTailWeight <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(GlobalHeavyTailWeight), GlobalHeavyTailWeight, "Must be in (0, 1].");
        }
    }
}

/// <summary>A NeuTra run: the draws on the target's scale, the flow's own verdict, and warnings in words.</summary>
public sealed class NeuTraResult
{
    internal NeuTraResult(PosteriorDraws draws, IFittedTransport fit, IReadOnlyList<string> warnings)
    {
        Draws = draws;
        Summary = draws.Summary(draws.Info?.MaxTreeDepth is > 0 and var depth ? depth : 10);
        ParetoK = fit.ParetoK;
        Elbo = fit.Elbo;
        Warnings = [.. warnings, .. Summary.Warnings];
    }

    /// <summary>The draws, reported as x = T(z) on the target's scale (a model's constrained parameters).</summary>
    public PosteriorDraws Draws { get; }

    /// <summary>The summary of the draws (its own warnings are part of <see cref="Warnings"/>).</summary>
    public PosteriorSummary Summary { get; }

    /// <summary>The flow's PSIS k̂.</summary>
    public double ParetoK { get; }

    /// <summary>The flow's ELBO.</summary>
    public double Elbo { get; }

    /// <summary>Everything that says the draws should not be trusted, each naming its cause; empty when nothing does.</summary>
    public IReadOnlyList<string> Warnings { get; }
}

/// <summary>NeuTra in one call: a sampler on a target pulled back through a fitted flow (<see cref="NeuTraDensity"/>).</summary>
public static class NeuTra
{
    /// <summary>
    /// Samples <paramref name="target"/> in the base space of <paramref name="fit"/>'s map. Default settings: 4 chains,
    /// 500 warmup iterations (the chains start at draws of the flow), 1000 draws, a diagonal metric. The result's warnings
    /// carry the flow's k̂ when it is unreliable, chains stuck with a tiny step size and the summary's warnings.
    /// </summary>
    /// <exception cref="ArgumentException">The map does not match the target's dimension, or its log-Jacobian is a stochastic estimate.</exception>
    public static NeuTraResult Sample(ILogDensity target, IFittedTransport fit, RunSettings? settings = null, NeuTraOptions? options = null, IProgress<ChainProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(fit);
        options ??= new NeuTraOptions();
        options.Validate();
        settings ??= new RunSettings { Warmup = 500 };
        var density = new NeuTraDensity(target, fit.Transform);
        settings.Validate(density.Dimension);
        if (options.StartFromFlowDraws && settings.InitialPositions is null)
        {
            settings = WithStarts(settings, density.Dimension);
        }

        var kernel = options.Kernel ?? new Nuts();
        if (options.GlobalSteps > 0)
        {
            int d = density.Dimension;
            IProposalDensity proposal = options.GlobalDegreesOfFreedom == 0
                ? GaussianProposal.Isotropic(d)
                : options.GlobalHeavyTailWeight == 1 ? new StudentTProposal(d, options.GlobalDegreesOfFreedom) : MixtureProposal.GaussianWithStudentT(d, options.GlobalDegreesOfFreedom, options.GlobalHeavyTailWeight);
            kernel = new LocalGlobalKernel(kernel, proposal, options.GlobalSteps);
        }

        var draws = ChainRunner.Run(kernel, density, settings, progress, cancellationToken);
        var warnings = new List<string>();
        if (TrustChecks.ParetoK(fit.ParetoK, "NeuTra's draws") is { } k)
        {
            warnings.Add(k);
        }

        warnings.AddRange(TrustChecks.Chains(draws));
        if (TrustChecks.Divergences(draws, "in the flow's base space", "the flow maps part of the posterior badly (usually its tails, or a neck it squeezes), so the draws there are unreliable; refit the flow (forward KL on these draws) or raise the target acceptance") is { } divergent)
        {
            warnings.Add(divergent);
        }

        return new NeuTraResult(draws, fit, warnings);
    }

    // z ~ N(0, I) per chain from a stream the chains' own streams do not use
    private static RunSettings WithStarts(RunSettings settings, int d)
    {
        var seeds = new SeedSequence(settings.Seed).Spawn(int.MaxValue);
        var starts = new double[settings.Chains][];
        for (int c = 0; c < starts.Length; c++)
        {
            starts[c] = new double[d];
            seeds.Stream(c).Normal(starts[c]);
        }

        return settings with { InitialPositions = starts };
    }
}
