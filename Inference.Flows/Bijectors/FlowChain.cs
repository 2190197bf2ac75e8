using Inference.Autodiff;

namespace Inference.Flows.Bijectors;

/// <summary>Composition of flow layers: Forward applies them in order, Inverse in reverse; log-Jacobians add.</summary>
public sealed class FlowChain : FlowBijector
{
    private readonly FlowBijector[] _layers;

    /// <summary>Composes <paramref name="layers"/> (all of one dimension).</summary>
    public FlowChain(IReadOnlyList<FlowBijector> layers)
        : base(CheckLayers(layers))
    {
        _layers = layers.ToArray();
        for (int i = 0; i < _layers.Length; i++)
        {
            RegisterModule($"layers.{i}", _layers[i]);
        }
    }

    /// <summary>The layers in forward order.</summary>
    public IReadOnlyList<FlowBijector> Layers => _layers;

    /// <inheritdoc/>
    public override bool HasExactLogDet => _layers.All(l => l.HasExactLogDet);

    /// <inheritdoc/>
    public override bool HasAnalyticInverse => _layers.All(l => l.HasAnalyticInverse);

    private static int CheckLayers(IReadOnlyList<FlowBijector> layers)
    {
        ArgumentNullException.ThrowIfNull(layers);
        if (layers.Count == 0 || layers.Any(l => l is null) || layers.Select(l => l.Dimension).Distinct().Count() != 1)
        {
            throw new ArgumentException("A chain needs at least one layer, all of one dimension.", nameof(layers));
        }

        return layers[0].Dimension;
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian)
    {
        var h = _layers[0].Forward(x, out logAbsDetJacobian);
        for (int i = 1; i < _layers.Length; i++)
        {
            h = _layers[i].Forward(h, out var ld);
            logAbsDetJacobian += ld;
        }

        return h;
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian)
    {
        var h = _layers[^1].Inverse(y, out logAbsDetJacobian);
        for (int i = _layers.Length - 2; i >= 0; i--)
        {
            h = _layers[i].Inverse(h, out var ld);
            logAbsDetJacobian += ld;
        }

        return h;
    }
}
