using Inference.Flows.Bijectors;

namespace Inference.Flows.Serialization;

/// <summary>
/// A flow layer that saves and loads itself: it names its record in a flow file, writes its configuration (everything
/// a constructor needs besides the parameters) in <see cref="FlowBijector.WriteConfiguration"/>, and rebuilds itself
/// from that configuration here. The serializer finds every layer of this assembly that implements it; a layer
/// defined elsewhere joins with <see cref="FlowSerializer.Register{T}"/>.
/// </summary>
/// <typeparam name="TSelf">The layer type.</typeparam>
public interface ISerializableFlowLayer<TSelf>
    where TSelf : FlowBijector, ISerializableFlowLayer<TSelf>
{
    /// <summary>The record's "type" in a flow file (lower-kebab, unique).</summary>
    static abstract string TypeName { get; }

    /// <summary>
    /// Rebuilds the layer from its saved configuration, through <see cref="FlowLayerReader.Create{T}"/> so that the
    /// parameter count the configuration implies is checked against the file before anything is allocated. The
    /// serializer then fills the parameters and buffers.
    /// </summary>
    static abstract TSelf Read(FlowLayerReader reader);
}
