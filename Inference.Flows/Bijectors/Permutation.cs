using Inference.Autodiff;
using Inference.Randomness;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>
/// A fixed permutation of the coordinates, y[j] = x[index[j]], placed between coupling or autoregressive
/// layers so that every coordinate is transformed and conditions the others. log|J| = 0.
/// </summary>
public sealed class Permutation : FlowBijector, ISerializableFlowLayer<Permutation>
{
    private readonly int[] _index;
    private readonly int[] _inverse;

    /// <summary>Creates the permutation y[j] = x[<paramref name="index"/>[j]].</summary>
    public Permutation(IReadOnlyList<int> index)
        : base(index?.Count ?? throw new ArgumentNullException(nameof(index)))
    {
        _index = index.ToArray();
        _inverse = new int[_index.Length];
        var seen = new bool[_index.Length];
        for (int j = 0; j < _index.Length; j++)
        {
            int i = _index[j];
            if (i < 0 || i >= _index.Length || seen[i])
            {
                throw new ArgumentException("The index must hold each of 0 … D−1 exactly once.", nameof(index));
            }

            seen[i] = true;
            _inverse[i] = j;
        }
    }

    /// <summary>y[j] = x[index[j]].</summary>
    public IReadOnlyList<int> Index => _index;

    /// <summary>Reverses the coordinates.</summary>
    public static Permutation Reverse(int dimension)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        return new Permutation(Enumerable.Range(0, dimension).Reverse().ToArray());
    }

    /// <summary>A uniformly random permutation drawn from <paramref name="rng"/> (saved with the flow).</summary>
    public static Permutation Random(int dimension, Rng rng)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(dimension);
        ArgumentNullException.ThrowIfNull(rng);
        var index = Enumerable.Range(0, dimension).ToArray();
        for (int i = dimension - 1; i > 0; i--)
        {
            int j = rng.Next(i + 1);
            (index[i], index[j]) = (index[j], index[i]);
        }

        return new Permutation(index);
    }

    /// <summary>The permutation the RealNVP, spline and autoregressive builders put between layers: a swap for D = 2, random otherwise.</summary>
    public static Permutation Mixing(int dimension, Rng rng) => dimension <= 2 ? Reverse(dimension) : Random(dimension, rng);


    /// <inheritdoc/>
    public static string TypeName => "permutation";

    /// <inheritdoc/>
    public static Permutation Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        var index = reader.Permutation("index", d);
        return reader.Create(0, () => new Permutation(index));
    }

    /// <inheritdoc/>
    protected internal override void WriteConfiguration(FlowLayerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Integers("index", _index);
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        logAbsDetJacobian = ZeroPerEvent(x);
        return Ops.Gather(x, _index);
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        logAbsDetJacobian = ZeroPerEvent(y);
        return Ops.Gather(y, _inverse);
    }
}
