using Inference.Autodiff;
using Inference.Randomness;

namespace Inference.Flows.Modules;

/// <summary>
/// y = x(W ⊙ M)ᵀ + b: a linear layer whose fixed 0/1 mask M [out, in] cuts connections (MADE's autoregressive
/// structure). W is laid out [out, in] as TorchSharp's. Masked weights never affect the output and get zero gradient.
/// </summary>
public sealed class MaskedLinear : Module
{
    private readonly Tensor _mask;

    /// <summary>Creates the layer with mask <paramref name="mask"/> [out, in] (entries 0 or 1).</summary>
    public MaskedLinear(Tensor mask, Rng rng, bool zeroInit = false)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(rng);
        if (mask.Shape.Rank != 2)
        {
            throw new ArgumentException($"The mask must be [out, in]; got {mask.Shape}.", nameof(mask));
        }

        foreach (double m in mask.Data)
        {
            if (m is not (0.0 or 1.0))
            {
                throw new ArgumentException("Mask entries must be 0 or 1.", nameof(mask));
            }
        }

        _mask = mask;
        Inputs = mask.Shape[1];
        Outputs = mask.Shape[0];
        // PyTorch's nn.Linear initialization (as nflows' MaskedLinear): W and b uniform in ±1/√in, W masked
        var w = new Tensor(mask.Shape);
        var b = new Tensor(Shape.Vector(Outputs));
        if (!zeroInit)
        {
            Linear.UniformInit(w, b, rng, mask);
        }

        Weight = RegisterParameter(new Parameter("weight", w, transposedInVersion1: true));
        Bias = RegisterParameter("bias", b);
    }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>The mask M [out, in].</summary>
    public Tensor Mask => _mask;

    /// <summary>W [out, in].</summary>
    public Parameter Weight { get; }

    /// <summary>b [out].</summary>
    public Parameter Bias { get; }

    /// <summary>x(W ⊙ M)ᵀ + b for x [batch, in].</summary>
    public Var Forward(Var x)
    {
        var t = x.Tape;
        var w = Weight.On(t) * t.Constant(_mask);
        return x.Shape.Rank == 2 ? Ops.Linear(x, w, Bias.On(t)) : Ops.MatMul(w, x) + Bias.On(t);
    }

    /// <summary>max(x(W ⊙ M)ᵀ + b, 0), fused into one node for a batch.</summary>
    public Var ForwardRelu(Var x)
    {
        if (x.Shape.Rank != 2)
        {
            return Ops.Relu(Forward(x));
        }

        var t = x.Tape;
        return Ops.LinearRelu(x, Weight.On(t) * t.Constant(_mask), Bias.On(t));
    }
}
