using Inference.Autodiff;
using Inference.Flows.Modules;
using Inference.Flows.Serialization;
using Inference.Randomness;

namespace Inference.Flows.Bijectors;

/// <summary>
/// An invertible residual block (Behrmann et al. 2019, i-ResNet; Chen et al. 2019, Residual Flows): y = x + g(x) with
/// g a <see cref="LipschitzMlp"/>, Lip(g) ≤ c &lt; 1 (every weight spectrally normalized, 1-Lipschitz activations). The
/// sampling direction is explicit; the inverse is the fixed point x = y − g(x), which converges at rate c. log|det J| is
/// exact from the batched Jacobian or, for large D while training, the Russian-roulette power series (see
/// <see cref="InvertibleResidual"/>). The last layer starts at zero, so the block starts as the identity.
/// </summary>
public sealed class ResidualBlock : InvertibleResidual, ISerializableFlowLayer<ResidualBlock>
{
    private readonly LipschitzMlp _net;

    /// <summary>Creates the block on ℝ^<paramref name="dimension"/> with a g of the given hidden widths and bound c = <paramref name="lipschitz"/>.</summary>
    public ResidualBlock(int dimension, IReadOnlyList<int> hidden, Rng rng, double lipschitz = 0.97, LipschitzActivation activation = LipschitzActivation.LipSwish, ResidualLogDet logDet = ResidualLogDet.Auto, bool zeroInit = true)
        : base(dimension, 0, logDet, (rng ?? throw new ArgumentNullException(nameof(rng))).NextUInt64())
    {
        ArgumentNullException.ThrowIfNull(hidden);
        if (!(lipschitz > 0 && lipschitz < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(lipschitz), lipschitz, "The Lipschitz bound of the residual branch must lie in (0, 1): at 1 or above x + g(x) need not be invertible.");
        }

        _net = RegisterModule("net", new LipschitzMlp(dimension, hidden, dimension, rng, lipschitz, activation, zeroInit));
        ZeroInit = zeroInit;
    }

    /// <summary>c: the bound on Lip(g).</summary>
    public double Lipschitz => _net.Lipschitz;

    /// <summary>Hidden widths of g.</summary>
    public IReadOnlyList<int> Hidden => _net.Hidden;

    /// <summary>g's activation.</summary>
    public LipschitzActivation Activation => _net.Activation;

    /// <summary>Whether g's last layer started at zero.</summary>
    public bool ZeroInit { get; }

    /// <inheritdoc/>
    public override double ContractionBound => Lipschitz;

    /// <inheritdoc/>
    protected override double Gamma => 1;

    /// <inheritdoc/>
    protected override double Kappa => 1;

    /// <inheritdoc/>
    public static string TypeName => "residual";

    /// <inheritdoc/>
    public static ResidualBlock Read(FlowLayerReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        int d = reader.Dimension;
        var hidden = reader.Widths("hidden");
        double lipschitz = reader.Number("lipschitz");
        var activation = reader.Enum<LipschitzActivation>("activation");
        var logDet = reader.Enum<ResidualLogDet>("log_det");
        bool zeroInit = reader.Boolean("zero_init");
        return reader.Create(LipschitzMlp.CountParameters(d, hidden, d, activation), () => new ResidualBlock(d, hidden, reader.Rng, lipschitz, activation, logDet, zeroInit));
    }

    /// <inheritdoc/>
    protected internal override void WriteConfiguration(FlowLayerWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.Integers("hidden", Hidden);
        writer.Number("lipschitz", Lipschitz);
        writer.Enum("activation", Activation);
        writer.Enum("log_det", LogDetMethod);
        writer.Boolean("zero_init", ZeroInit);
    }

    /// <inheritdoc/>
    protected override int WidestLayer => Hidden.Max();

    /// <inheritdoc/>
    protected override Var[] PrepareWeights(Tape tape, bool training) => _net.Weights(tape, training);

    /// <inheritdoc/>
    protected override ResidualPass Evaluate(Var[] weights, Var x, Var context)
    {
        var output = _net.Forward(weights, x, out var derivatives);
        return new ResidualPass(output, v => _net.Jvp(weights, derivatives, v));
    }
}
