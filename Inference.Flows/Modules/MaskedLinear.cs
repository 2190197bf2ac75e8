using Inference.Autodiff;
using Inference.Randomness;

namespace Inference.Flows.Modules;

/// <summary>
/// y = x(W ⊙ M) + b: a linear layer whose fixed 0/1 mask M [in, out] cuts connections (MADE's autoregressive
/// structure). Masked weights never affect the output and get zero gradient.
/// </summary>
public sealed class MaskedLinear : Module
{
    private readonly Tensor _mask;

    /// <summary>Creates the layer with mask <paramref name="mask"/> [in, out] (entries 0 or 1).</summary>
    public MaskedLinear(Tensor mask, Rng rng, bool zeroInit = false)
    {
        ArgumentNullException.ThrowIfNull(mask);
        ArgumentNullException.ThrowIfNull(rng);
        if (mask.Shape.Rank != 2)
        {
            throw new ArgumentException($"The mask must be [in, out]; got {mask.Shape}.", nameof(mask));
        }

        foreach (double m in mask.Data)
        {
            if (m is not (0.0 or 1.0))
            {
                throw new ArgumentException("Mask entries must be 0 or 1.", nameof(mask));
            }
        }

        _mask = mask;
        Inputs = mask.Shape[0];
        Outputs = mask.Shape[1];
        // PyTorch's nn.Linear initialization (as nflows' MaskedLinear): W and b uniform in ±1/√in, W masked
        var w = new Tensor(mask.Shape);
        var b = new Tensor(Shape.Vector(Outputs));
        if (!zeroInit)
        {
            double limit = 1 / Math.Sqrt(Inputs);
            for (int i = 0; i < w.Length; i++)
            {
                w[i] = mask[i] * rng.Uniform(-limit, limit);
            }

            for (int j = 0; j < Outputs; j++)
            {
                b[j] = rng.Uniform(-limit, limit);
            }
        }

        Weight = RegisterParameter("weight", w);
        Bias = RegisterParameter("bias", b);
    }

    /// <summary>Input width.</summary>
    public int Inputs { get; }

    /// <summary>Output width.</summary>
    public int Outputs { get; }

    /// <summary>The mask M [in, out].</summary>
    public Tensor Mask => _mask;

    /// <summary>W [in, out].</summary>
    public Parameter Weight { get; }

    /// <summary>b [out].</summary>
    public Parameter Bias { get; }

    /// <summary>x(W ⊙ M) + b for x [batch, in].</summary>
    public Var Forward(Var x)
    {
        var t = x.Tape;
        var w = Weight.On(t) * t.Constant(_mask);
        return x.Shape.Rank == 2 ? Ops.Linear(x, w, Bias.On(t)) : Ops.MatMul(x, w) + Bias.On(t);
    }

    /// <summary>max(x(W ⊙ M) + b, 0), fused into one node for a batch.</summary>
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
