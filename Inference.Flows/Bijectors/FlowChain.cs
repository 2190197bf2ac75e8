using Inference.Autodiff;
using Inference.Flows.Serialization;

namespace Inference.Flows.Bijectors;

/// <summary>Composition of flow layers: Forward applies them in order, Inverse in reverse; log-Jacobians add.</summary>
public sealed class FlowChain : FlowBijector, ISerializableFlowLayer<FlowChain>
{
    private readonly FlowBijector[] _layers;

    /// <summary>Composes <paramref name="layers"/> (all of one dimension).</summary>
    public FlowChain(IReadOnlyList<FlowBijector> layers)
        : base(CheckLayers(layers), CheckContexts(layers))
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
    public static string TypeName => "chain";

    /// <inheritdoc/>
    public static FlowChain Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var layers = reader.Layers("layers");
        return reader.Create(0, () => new FlowChain(layers));
    }

    /// <inheritdoc/>
    protected internal override void WriteConfiguration(FlowLayerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Layers("layers", _layers);
    }

    /// <inheritdoc/>
    public override Var Penalty(Tape tape)
    {
        Var total = default;
        foreach (var layer in _layers)
        {
            var p = layer.Penalty(tape);
            if (p.Tape is not null)
            {
                total = total.Tape is null ? p : total + p;
            }
        }

        return total;
    }

    // the conditional layers of a chain share one context; an unconditional layer ignores it
    private static int CheckContexts(IReadOnlyList<FlowBijector> layers)
    {
        var widths = layers.Where(l => l.IsConditional).Select(l => l.ContextDimension).Distinct().ToArray();
        return widths.Length <= 1 ? widths.FirstOrDefault() : throw new ArgumentException($"The conditional layers of a chain must read one context; they read {string.Join(", ", widths)} values.", nameof(layers));
    }

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, out Var logAbsDetJacobian) => ForwardCore(x, default, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, out Var logAbsDetJacobian) => InverseCore(y, default, out logAbsDetJacobian);

    /// <inheritdoc/>
    protected override Var ForwardCore(Var x, Var context, out Var logAbsDetJacobian)
    {
        var h = Apply(_layers[0], x, context, inverse: false, out logAbsDetJacobian);
        for (int i = 1; i < _layers.Length; i++)
        {
            h = Apply(_layers[i], h, context, inverse: false, out var ld);
            logAbsDetJacobian += ld;
        }

        return h;
    }

    /// <inheritdoc/>
    protected override Var InverseCore(Var y, Var context, out Var logAbsDetJacobian)
    {
        var h = Apply(_layers[^1], y, context, inverse: true, out logAbsDetJacobian);
        for (int i = _layers.Length - 2; i >= 0; i--)
        {
            h = Apply(_layers[i], h, context, inverse: true, out var ld);
            logAbsDetJacobian += ld;
        }

        return h;
    }

    private static Var Apply(FlowBijector layer, Var v, Var context, bool inverse, out Var logAbsDetJacobian)
    {
        if (!layer.IsConditional)
        {
            return inverse ? layer.Inverse(v, out logAbsDetJacobian) : layer.Forward(v, out logAbsDetJacobian);
        }

        return inverse ? layer.Inverse(v, context, out logAbsDetJacobian) : layer.Forward(v, context, out logAbsDetJacobian);
    }
}
