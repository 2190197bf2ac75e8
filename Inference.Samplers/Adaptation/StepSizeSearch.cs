using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Hamiltonian;

namespace Inference.Samplers.Adaptation;

/// <summary>
/// Stan's step-size initialization: from ε, one leapfrog step with fresh momentum; double ε while the
/// energy change exceeds log 0.8, or halve it while it does not, until that flips.
/// </summary>
public static class StepSizeSearch
{
    /// <summary>A reasonable initial step size at <paramref name="state"/> (the state is left unchanged).</summary>
    /// <exception cref="InvalidOperationException">ε ran past 1e7 (the posterior is probably improper) or underflowed to 0.</exception>
    public static double Find(PhasePoint state, ILogDensityEvaluator target, Metric metric, double stepSize, Rng rng)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(metric);
        ArgumentNullException.ThrowIfNull(rng);
        if (stepSize == 0 || stepSize > 1e7 || double.IsNaN(stepSize))
        {
            return stepSize;
        }

        int d = state.Position.Length;
        var z = new PhasePoint(d);
        var scratch = new double[d];
        double Trial(double eps)
        {
            z.CopyFrom(state);
            metric.SampleMomentum(rng, z.Momentum, scratch);
            metric.Velocity(z.Momentum, z.Velocity);
            double h0 = z.Hamiltonian;
            Integrator.Leapfrog(z, target, metric, eps);
            return h0 - z.Hamiltonian;
        }

        double logTarget = Math.Log(0.8);
        int direction = Trial(stepSize) > logTarget ? 1 : -1;
        while (true)
        {
            double deltaH = Trial(stepSize);
            if ((direction == 1 && !(deltaH > logTarget)) || (direction == -1 && !(deltaH < logTarget)))
            {
                break;
            }

            stepSize = direction == 1 ? stepSize * 2 : stepSize * 0.5;
            if (stepSize > 1e7)
            {
                throw new InvalidOperationException("The step size ran past 1e7 while searching for a reasonable value: the posterior is probably improper.");
            }

            if (stepSize == 0)
            {
                throw new InvalidOperationException("No acceptably small step size could be found: the log-density or its gradient may be broken at the initial point.");
            }
        }

        return stepSize;
    }
}
