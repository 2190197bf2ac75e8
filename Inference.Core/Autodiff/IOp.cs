namespace Inference.Autodiff;

/// <summary>
/// A differentiable operation recorded on a <see cref="Tape"/>. Implementations are stateless
/// singletons; everything a call needs is in its <see cref="NodeRecord"/>.
/// </summary>
internal interface IOp
{
    /// <summary>Adds the vector-Jacobian product of node <paramref name="id"/> to its inputs' gradients.</summary>
    void Backward(Tape tape, int id, in NodeRecord node);
}

/// <summary>One recorded operation: inputs are node ids (−1 when absent), plus scalar and integer attributes.</summary>
internal struct NodeRecord
{
    public IOp? Op;
    public Shape Shape;
    public int In0;
    public int In1;
    public int In2;
    public double S0;
    public double S1;
    public int I0;
    public int I1;
    public int I2;
    public object? Aux;
    public bool RequiresGrad;
}
