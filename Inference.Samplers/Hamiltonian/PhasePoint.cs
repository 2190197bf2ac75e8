namespace Inference.Samplers.Hamiltonian;

/// <summary>A point of phase space with its cached log-density and gradient, and the velocity Ap.</summary>
public sealed class PhasePoint
{
    /// <summary>Creates a point of dimension <paramref name="dimension"/>.</summary>
    public PhasePoint(int dimension)
    {
        Position = new double[dimension];
        Momentum = new double[dimension];
        Gradient = new double[dimension];
        Velocity = new double[dimension];
    }

    /// <summary>x.</summary>
    public double[] Position { get; }

    /// <summary>p.</summary>
    public double[] Momentum { get; }

    /// <summary>∇ log p(x).</summary>
    public double[] Gradient { get; }

    /// <summary>A p.</summary>
    public double[] Velocity { get; }

    /// <summary>log p(x).</summary>
    public double LogDensity { get; set; }

    /// <summary>H = −log p(x) + ½pᵀAp (+∞ when not finite).</summary>
    public double Hamiltonian
    {
        get
        {
            double h = -LogDensity + Metric.Kinetic(Momentum, Velocity);
            return double.IsNaN(h) ? double.PositiveInfinity : h;
        }
    }

    /// <summary>Copies every field of <paramref name="other"/>.</summary>
    public void CopyFrom(PhasePoint other)
    {
        SmallVector.Copy(other.Position, Position);
        SmallVector.Copy(other.Momentum, Momentum);
        SmallVector.Copy(other.Gradient, Gradient);
        SmallVector.Copy(other.Velocity, Velocity);
        LogDensity = other.LogDensity;
    }
}
