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

    /// <summary>The trainable parameters.</summary>
    public IEnumerable<Parameter> Parameters() => Transform.Parameters();

    /// <summary>Mean-field Gaussian (diagonal affine).</summary>
    public static FlowDistribution MeanField(int dimension) => new(new ElementwiseAffine(dimension));

    /// <summary>Full-rank Gaussian (lower-triangular affine).</summary>
    public static FlowDistribution FullRank(int dimension) => new(new LowerTriangularAffine(dimension));

    /// <summary>
    /// RealNVP: <paramref name="layers"/> affine couplings with one fixed mask and a reversal of the coordinates
    /// between them (so each coordinate is transformed by every other layer), then a diagonal affine layer for
    /// location and scale.
    /// </summary>
    public static FlowDistribution RealNvp(int dimension, int layers, IReadOnlyList<int> hidden, Rng rng, Activation activation = Activation.Tanh)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(layers);
        var list = new List<FlowBijector>();
        for (int l = 0; l < layers; l++)
        {
            // The reversal alternates which coordinates pass; alternating the mask's parity as well would undo it
            // (for D = 2 the first coordinate would then pass through every coupling untouched).
            list.Add(new AffineCoupling(dimension, hidden, rng, parity: 0, activation));
            if (l < layers - 1)
            {
                list.Add(new ReversePermutation(dimension));
            }
        }

        list.Add(new ElementwiseAffine(dimension));
        return new FlowDistribution(new FlowChain(list));
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

    /// <summary>Draws <paramref name="count"/> points (rows of a count × D array), without gradients.</summary>
    public double[] Sample(Rng rng, int count)
    {
        var tape = new Tape();
        using var scope = tape.NoGrad();
        var (x, _) = SampleWithLogProb(tape, rng, count);
        return x.Value.ToArray();
    }
}
