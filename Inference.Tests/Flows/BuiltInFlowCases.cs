using Inference.Flows;
using Inference.Flows.Bijectors;

namespace Inference.Tests.Flows;

/// <summary>The conformance cases of the layers that came before the registry (new layers bring theirs in their own test file).</summary>
public sealed class BuiltInFlowCases : IFlowCaseSource
{
    private static readonly int[] AnyDimension = [1, 2, 5, 17];
    private static readonly int[] TwoOrMore = [2, 5, 17];

    // spline and autoregressive conditioners get a smaller push: 0.3 on every weight gives bins e^10 apart, or IAF
    // scales 2·sigmoid(h) near e^-30 across a 17-D chain, whose inverses lose all digits (or overflow) to conditioning alone
    public IEnumerable<FlowCaseDefinition> Cases =>
    [
        new("elementwise affine", (d, _) => new ElementwiseAffine(d), AnyDimension),
        new("lower-triangular affine", (d, _) => new LowerTriangularAffine(d), AnyDimension),
        new("permutation", Permutation.Random, AnyDimension),
        new("planar", (d, rng) => new Planar(d, rng), AnyDimension),
        new("radial", (d, rng) => new Radial(d, rng), AnyDimension),
        new("actnorm", (d, _) => new ActNorm(d), AnyDimension),
        new("lu linear", LuLinear.WithRandomPermutation, AnyDimension),
        new("iaf", (d, rng) => new MaskedAffineAutoregressive(d, [16, 16], rng, AutoregressiveDirection.Inverse), AnyDimension, Push: 0.1),
        new("maf", (d, rng) => new MaskedAffineAutoregressive(d, [16, 16], rng, AutoregressiveDirection.Masked), AnyDimension, Push: 0.1),
        new("iaf (contracting)", (d, rng) => new MaskedAffineAutoregressive(d, [16, 16], rng, scale: AffineScale.Contracting), AnyDimension, Push: 0.1),
        new("spline autoregressive (iaf)", (d, rng) => new SplineAutoregressive(d, [16], rng, bins: 5, direction: AutoregressiveDirection.Inverse), AnyDimension, Push: 0.1),
        new("spline autoregressive (maf)", (d, rng) => new SplineAutoregressive(d, [16], rng, bins: 5, direction: AutoregressiveDirection.Masked), AnyDimension, Push: 0.1),
        new("iaf chain", (d, rng) => FlowDistribution.MaskedAutoregressive(d, 3, [16], rng).Transform, AnyDimension, Push: 0.1),
        new("autoregressive spline chain", (d, rng) => FlowDistribution.AutoregressiveSpline(d, 2, [16], rng, bins: 4).Transform, AnyDimension, Push: 0.1),
        // D = 40 changes 20 coordinates: long rows through the coupling's fused forward node (the others change at most 8)
        new("affine coupling", (d, rng) => new AffineCoupling(d, [16, 16], rng), [2, 5, 17, 40]),
        new("affine coupling (squared inputs)", (d, rng) => new AffineCoupling(d, [16, 16], rng, squaredInputs: true), [2, 5, 17], Push: 0.1),
        new("affine coupling (squared inputs, swapped)", (d, rng) => new AffineCoupling(d, [16], rng, swap: true, squaredInputs: true), [2, 5], Push: 0.1),
        new("realnvp chain (squared inputs)", (d, rng) => FlowDistribution.RealNvp(d, 3, [16], rng, squaredInputs: true).Transform, [2, 5], Push: 0.1),
        new("spline coupling", (d, rng) => new SplineCoupling(d, [16, 16], rng, bins: 6, swap: true), TwoOrMore, Push: 0.1),
        new("realnvp chain", (d, rng) => FlowDistribution.RealNvp(d, 4, [16, 16], rng).Transform, [2, 5, 17, 40]),
        new("nsf chain", (d, rng) => FlowDistribution.NeuralSpline(d, 3, [16], rng, bins: 5).Transform, TwoOrMore, Push: 0.1),
    ];
}

/// <summary>Conditional forms of the coupling layers (q(x | y), the context entering the conditioner).</summary>
public sealed class ConditionalCouplingCases : IFlowCaseSource
{
    public IEnumerable<FlowCaseDefinition> Cases =>
    [
        new("conditional affine coupling", (d, rng) => new AffineCoupling(d, [16], rng, swap: true, contextDimension: 3), [2, 5], ContextDimension: 3),
        new("conditional realnvp chain", (d, rng) => FlowDistribution.RealNvp(d, 3, [16], rng, contextDimension: 2).Transform, [2, 5], ContextDimension: 2),
    ];
}

/// <summary>Conditional forms of the spline and MADE layers (the context enters the conditioner networks).</summary>
public sealed class ConditionalSplineAndMadeCases : IFlowCaseSource
{
    public IEnumerable<FlowCaseDefinition> Cases =>
    [
        new("conditional spline coupling", (d, rng) => new SplineCoupling(d, [16], rng, bins: 5, contextDimension: 2), [2, 5], Push: 0.1, ContextDimension: 2),
        new("conditional nsf chain", (d, rng) => FlowDistribution.NeuralSpline(d, 2, [16], rng, bins: 4, contextDimension: 3).Transform, [3], Push: 0.1, ContextDimension: 3),
        new("conditional iaf", (d, rng) => new MaskedAffineAutoregressive(d, [16], rng, contextDimension: 2), [1, 4], Push: 0.1, ContextDimension: 2),
        new("conditional maf chain", (d, rng) => FlowDistribution.MaskedAutoregressive(d, 2, [16], rng, AutoregressiveDirection.Masked, contextDimension: 3).Transform, [4], Push: 0.1, ContextDimension: 3),
        new("conditional spline autoregressive", (d, rng) => new SplineAutoregressive(d, [16], rng, bins: 4, contextDimension: 2), [3], Push: 0.1, ContextDimension: 2),
    ];
}
