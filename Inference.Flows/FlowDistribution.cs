using Inference.Densities;
using Inference.Autodiff;
using Inference.Flows.Bijectors;
using Inference.Flows.Modules;
using Inference.Randomness;

namespace Inference.Flows;

/// <summary>
/// q = T # N(0, I): a standard normal base pushed through a flow. log q(x) = log N(z) − log|det ∂T/∂z| with z = T⁻¹(x).
/// </summary>
public sealed class FlowDistribution
{
    /// <summary>Creates the distribution of <paramref name="transform"/> applied to N(0, I).</summary>
    public FlowDistribution(FlowBijector transform)
    {
        ArgumentNullException.ThrowIfNull(transform);
        Transform = transform;
    }

    /// <summary>The flow T.</summary>
    public FlowBijector Transform { get; }

    /// <summary>The dimension.</summary>
    public int Dimension => Transform.Dimension;

    /// <summary>The width of the context y of a conditional flow q(x | y) (0 when unconditional).</summary>
    public int ContextDimension => Transform.ContextDimension;

    /// <summary>Whether the flow is conditional: q(x | y).</summary>
    public bool IsConditional => Transform.IsConditional;

    /// <summary>The trainable parameters.</summary>
    public IEnumerable<Parameter> Parameters() => Transform.Parameters();

    /// <summary>Mean-field Gaussian (diagonal affine).</summary>
    public static FlowDistribution MeanField(int dimension) => new(new ElementwiseAffine(dimension));

    /// <summary>Full-rank Gaussian (lower-triangular affine).</summary>
    public static FlowDistribution FullRank(int dimension) => new(new LowerTriangularAffine(dimension));

    /// <summary>
    /// RealNVP: <paramref name="layers"/> affine couplings (the first half passes, an MLP of it scales and shifts
    /// the rest) with a fixed mixing permutation between them (a swap for D = 2, random otherwise, as normflows
    /// does), then a diagonal affine layer for location and scale.
    /// </summary>
    /// <remarks>
    /// With <paramref name="contextDimension"/> &gt; 0 the couplings read a context y: the flow is q(x | y). With
    /// <paramref name="squaredInputs"/> the couplings' networks also read the squares of the passed coordinates (shifts
    /// that extrapolate quadratically; see <see cref="AffineCoupling"/>).
    /// </remarks>
    public static FlowDistribution RealNvp(int dimension, int layers, IReadOnlyList<int> hidden, Rng rng, Activation activation = Activation.Relu, int contextDimension = 0, bool squaredInputs = false) =>
        Stack(dimension, layers, rng, () => new AffineCoupling(dimension, hidden, rng, swap: false, activation, contextDimension, squaredInputs), () => Permutation.Mixing(dimension, rng));

    /// <summary>
    /// Inverse autoregressive flow (IAF; <see cref="AutoregressiveDirection.Masked"/> gives MAF):
    /// <paramref name="layers"/> affine MADE layers with mixing permutations between them, then a diagonal affine layer.
    /// The default scale starts every layer as the identity; <see cref="AffineScale.Contracting"/> builds normflows'
    /// IAF exactly (contracting layers, randomly initialized output layers).
    /// </summary>
    public static FlowDistribution MaskedAutoregressive(int dimension, int layers, IReadOnlyList<int> hidden, Rng rng, AutoregressiveDirection direction = AutoregressiveDirection.Inverse, Activation activation = Activation.Relu, AffineScale scale = AffineScale.DoubledSigmoid, int contextDimension = 0) =>
        Stack(dimension, layers, rng, () => new MaskedAffineAutoregressive(dimension, hidden, rng, direction, activation, scale, contextDimension), () => Permutation.Mixing(dimension, rng));

    /// <summary>
    /// Neural spline flow (coupling form, as normflows' NSF): <paramref name="layers"/> rational-quadratic spline
    /// couplings on [−<paramref name="tailBound"/>, <paramref name="tailBound"/>] with an LU linear layer (random
    /// permutation) after each, then a diagonal affine layer.
    /// </summary>
    public static FlowDistribution NeuralSpline(int dimension, int layers, IReadOnlyList<int> hidden, Rng rng, int bins = 8, double tailBound = 3, Activation activation = Activation.Relu, int contextDimension = 0)
    {
        ArgumentNullException.ThrowIfNull(rng);
        int l = 0;
        return Stack(dimension, layers, rng, () => new SplineCoupling(dimension, hidden, rng, bins, tailBound, swap: l++ % 2 == 1, activation, contextDimension), () => LuLinear.WithRandomPermutation(dimension, rng), mixAfterLast: true);
    }

    /// <summary>
    /// Autoregressive neural spline flow: <paramref name="layers"/> MADE spline layers (IAF direction by default)
    /// with mixing permutations between them, then a diagonal affine layer.
    /// </summary>
    public static FlowDistribution AutoregressiveSpline(int dimension, int layers, IReadOnlyList<int> hidden, Rng rng, int bins = 8, double tailBound = 3, AutoregressiveDirection direction = AutoregressiveDirection.Inverse, int contextDimension = 0) =>
        Stack(dimension, layers, rng, () => new SplineAutoregressive(dimension, hidden, rng, bins, tailBound, direction, contextDimension: contextDimension), () => Permutation.Mixing(dimension, rng));

    /// <summary>
    /// Residual flow (Chen et al. 2019; normflows' "resflow"): <paramref name="layers"/> invertible residual blocks
    /// x + g(x) with Lip(g) ≤ <paramref name="lipschitz"/> (spectral normalization, LipSwish), then a diagonal affine layer.
    /// </summary>
    public static FlowDistribution ResidualFlow(int dimension, int layers, IReadOnlyList<int> hidden, Rng rng, double lipschitz = 0.97, LipschitzActivation activation = LipschitzActivation.LipSwish, ResidualLogDet logDet = ResidualLogDet.Auto)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentNullException.ThrowIfNull(rng);
        var list = new List<FlowBijector>();
        for (int l = 0; l < layers; l++)
        {
            list.Add(new ResidualBlock(dimension, hidden, rng, lipschitz, activation, logDet));
        }

        list.Add(new ElementwiseAffine(dimension));
        return new FlowDistribution(new FlowChain(list));
    }

    /// <summary>
    /// Proximal residual flow (Hertrich 2023): <paramref name="blocks"/> proximal residual blocks (K PNN layers of
    /// <paramref name="hidden"/> units, step γ, reproduce r), each followed by an ActNorm (data-dependent initialization
    /// on the first batch); q(x | y) when <paramref name="contextDimension"/> &gt; 0. Hertrich's experiments use 20 blocks,
    /// K = 3 and γ = 1.99; γ ≤ 1.5 (the default) keeps the inverse's contraction factor at 0.82 instead of 0.997.
    /// </summary>
    public static FlowDistribution ProximalResidualFlow(int dimension, int blocks, int hidden, Rng rng, int layers = 3, double gamma = 1.5, int reproduce = 1, ProximalActivation activation = ProximalActivation.Elu, int contextDimension = 0, int conditionHidden = 64, ResidualLogDet logDet = ResidualLogDet.Exact)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(blocks);
        ArgumentNullException.ThrowIfNull(rng);
        var list = new List<FlowBijector>();
        for (int b = 0; b < blocks; b++)
        {
            list.Add(new ProximalResidualBlock(dimension, hidden, rng, layers, gamma, reproduce, activation, contextDimension: contextDimension, conditionHidden: conditionHidden, logDet: logDet));
            list.Add(new ActNorm(dimension));
        }

        return new FlowDistribution(new FlowChain(list));
    }

    /// <summary><paramref name="layers"/> planar layers, then a diagonal affine layer (Rezende and Mohamed 2015).</summary>
    public static FlowDistribution PlanarFlow(int dimension, int layers, Rng rng) => RadialOrPlanar(dimension, layers, rng, planar: true);

    /// <summary><paramref name="layers"/> radial layers, then a diagonal affine layer (Rezende and Mohamed 2015).</summary>
    public static FlowDistribution RadialFlow(int dimension, int layers, Rng rng) => RadialOrPlanar(dimension, layers, rng, planar: false);

    private static FlowDistribution RadialOrPlanar(int dimension, int layers, Rng rng, bool planar)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentNullException.ThrowIfNull(rng);
        var list = new List<FlowBijector>();
        for (int l = 0; l < layers; l++)
        {
            list.Add(planar ? new Planar(dimension, rng) : new Radial(dimension, rng));
        }

        list.Add(new ElementwiseAffine(dimension));
        return new FlowDistribution(new FlowChain(list));
    }

    private static FlowDistribution Stack(int dimension, int layers, Rng rng, Func<FlowBijector> layer, Func<FlowBijector> mix, bool mixAfterLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        ArgumentNullException.ThrowIfNull(rng);
        var list = new List<FlowBijector>();
        for (int l = 0; l < layers; l++)
        {
            list.Add(layer());
            if (l < layers - 1 || mixAfterLast)
            {
                list.Add(mix());
            }
        }

        list.Add(new ElementwiseAffine(dimension));
        return new FlowDistribution(new FlowChain(list));
    }

    /// <summary>
    /// A new flow that starts at a Laplace approximation N(x̂, Σ) of the target; this one is left as it was. A mean-field
    /// or full-rank Gaussian becomes that Gaussian (diagonal sds for the mean-field); any other flow is copied and gets a
    /// trainable lower-triangular affine layer x = x̂ + L·h appended (LLᵀ = Σ), so it starts as the Laplace
    /// approximation and its layers learn the departures from it. Reverse KL with Adam moves a location by about the
    /// learning rate per step, so a posterior far from the origin or on a very different scale needs this.
    /// </summary>
    /// <exception cref="NotSupportedException">The flow holds a layer that cannot be saved (the copy is made through <see cref="FlowSerializer"/>).</exception>
    public FlowDistribution Whiten(LaplaceApproximation laplace)
    {
        ArgumentNullException.ThrowIfNull(laplace);
        int d = Dimension;
        if (laplace.Mode.Count != d)
        {
            throw new ArgumentException($"The approximation has dimension {laplace.Mode.Count}; the flow has {d}.", nameof(laplace));
        }

        switch (Transform)
        {
            case ElementwiseAffine:
                var diagonal = new ElementwiseAffine(d);
                for (int i = 0; i < d; i++)
                {
                    diagonal.Location.Value[i] = laplace.Mode[i];
                    diagonal.LogScale.Value[i] = 0.5 * Math.Log(laplace.Covariance[i, i]);
                }

                return new FlowDistribution(diagonal);
            case LowerTriangularAffine:
                var full = new LowerTriangularAffine(d);
                SetTriangular(full, laplace);
                return new FlowDistribution(full);
            default:
                var last = new LowerTriangularAffine(d);
                SetTriangular(last, laplace);
                return new FlowDistribution(new FlowChain([FlowSerializer.Clone(Transform), last]));
        }
    }

    private static void SetTriangular(LowerTriangularAffine layer, LaplaceApproximation laplace)
    {
        int d = layer.Dimension;
        for (int i = 0; i < d; i++)
        {
            layer.Location.Value[i] = laplace.Mode[i];
            for (int j = 0; j <= i; j++)
            {
                double l = laplace.CholeskyFactor[i, j];
                layer.Raw.Value[(i * d) + j] = i == j ? Math.Log(l) : l;
            }
        }
    }

    /// <summary>log N(z; 0, I) per row of z [batch, D] (or for one z [D]).</summary>
    public static Var BaseLogProb(Var z)
    {
        int d = z.Shape[z.Shape.Rank - 1];
        var sq = Ops.Square(z);
        var sum = z.Shape.Rank == 1 ? Ops.Sum(sq) : Ops.Sum(sq, -1);
        return (-0.5 * sum) - (d * 0.91893853320467274178);
    }

    /// <summary>Draws a batch x = T(z) with its log q(x) in one pass (reparameterized: gradients reach the flow's parameters).</summary>
    public (Var X, Var LogQ) SampleWithLogProb(Tape tape, Rng rng, int batch)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        var noise = new double[batch * Dimension];
        rng.Normal(noise);
        return PushForward(tape.Constant(noise, Shape.Matrix(batch, Dimension)));
    }

    /// <summary>x = T(z) and log q(x) for given base points z [batch, D].</summary>
    public (Var X, Var LogQ) PushForward(Var z)
    {
        var x = Transform.Forward(z, out var logDet);
        return (x, BaseLogProb(z) - logDet);
    }

    /// <summary>log q(x) by the inverse flow.</summary>
    public Var LogProb(Var x)
    {
        var z = Transform.Inverse(x, out var logDetInverse);
        return BaseLogProb(z) + logDetInverse;
    }

    /// <summary>
    /// x = T(z; y) and log q(x | y) for base points z [batch, D] and contexts y: [C] shared by every row or [batch, C],
    /// one per row (pairs).
    /// </summary>
    public (Var X, Var LogQ) PushForward(Var z, Var context)
    {
        var x = Transform.Forward(z, context, out var logDet);
        return (x, BaseLogProb(z) - logDet);
    }

    /// <summary>log q(x | y) by the inverse flow, for x [batch, D] and y [C] (shared) or [batch, C] (pairs).</summary>
    public Var LogProb(Var x, Var context)
    {
        var z = Transform.Inverse(x, context, out var logDetInverse);
        return BaseLogProb(z) + logDetInverse;
    }

    /// <summary>Draws a batch x ~ q(· | y) with its log q(x | y) in one pass (reparameterized).</summary>
    public (Var X, Var LogQ) SampleWithLogProb(Tape tape, Rng rng, int batch, Var context)
    {
        ArgumentNullException.ThrowIfNull(tape);
        ArgumentNullException.ThrowIfNull(rng);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batch);
        var noise = new double[batch * Dimension];
        rng.Normal(noise);
        return PushForward(tape.Constant(noise, Shape.Matrix(batch, Dimension)), context);
    }

    /// <summary>Draws <paramref name="count"/> points of q(· | y) for one context y (rows of a count × D array), without gradients.</summary>
    /// <exception cref="ArgumentException">The context does not have <see cref="ContextDimension"/> values.</exception>
    public double[] Sample(Rng rng, int count, ReadOnlySpan<double> context)
    {
        if (context.Length != ContextDimension)
        {
            throw new ArgumentException($"The context has {context.Length} values; the flow reads {ContextDimension}.", nameof(context));
        }

        var tape = new Tape();
        using var scope = tape.NoGrad();
        var (x, _) = SampleWithLogProb(tape, rng, count, tape.Constant(context));
        return x.Value.ToArray();
    }

    /// <summary>Draws <paramref name="count"/> points (rows of a count × D array), without gradients.</summary>
    public double[] Sample(Rng rng, int count)
    {
        var tape = new Tape();
        using var scope = tape.NoGrad();
        var (x, _) = SampleWithLogProb(tape, rng, count);
        return x.Value.ToArray();
    }
}
