namespace Inference.Samplers.Adaptation;

/// <summary>
/// Nesterov dual averaging of the log step size towards a target acceptance statistic (Hoffman and
/// Gelman 2014; Stan's constants γ = 0.05, t₀ = 10, κ = 0.75, μ = log(10ε₀)).
/// </summary>
public sealed class DualAveraging
{
    private double _sBar;
    private double _xBar;
    private int _counter;

    /// <summary>Creates the adapter targeting <paramref name="targetAcceptance"/> (δ).</summary>
    public DualAveraging(double targetAcceptance = 0.8, double gamma = 0.05, double t0 = 10, double kappa = 0.75)
    {
        if (!(targetAcceptance > 0 && targetAcceptance < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(targetAcceptance), targetAcceptance, "Must be in (0, 1).");
        }

        TargetAcceptance = targetAcceptance;
        Gamma = gamma;
        T0 = t0;
        Kappa = kappa;
    }

    /// <summary>δ.</summary>
    public double TargetAcceptance { get; }

    /// <summary>γ.</summary>
    public double Gamma { get; }

    /// <summary>t₀.</summary>
    public double T0 { get; }

    /// <summary>κ.</summary>
    public double Kappa { get; }

    /// <summary>μ, the point the log step size is shrunk towards.</summary>
    public double Mu { get; set; }

    /// <summary>Restarts the averages (after each metric update).</summary>
    public void Restart()
    {
        _counter = 0;
        _sBar = 0;
        _xBar = 0;
    }

    /// <summary>Updates with one iteration's acceptance statistic; returns the step size for the next iteration.</summary>
    public double Learn(double acceptStat)
    {
        _counter++;
        double alpha = acceptStat > 1 ? 1 : acceptStat;
        double eta = 1.0 / (_counter + T0);
        _sBar = ((1 - eta) * _sBar) + (eta * (TargetAcceptance - alpha));
        double x = Mu - (_sBar * Math.Sqrt(_counter) / Gamma);
        double xEta = Math.Pow(_counter, -Kappa);
        _xBar = ((1 - xEta) * _xBar) + (xEta * x);
        return Math.Exp(x);
    }

    /// <summary>The final step size exp(x̄) at the end of warmup.</summary>
    public double FinalStepSize => Math.Exp(_xBar);
}
