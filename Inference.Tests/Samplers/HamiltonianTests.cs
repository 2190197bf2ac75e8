using Inference.Densities;
using Inference.Randomness;
using Inference.Samplers.Adaptation;
using Inference.Samplers.Hamiltonian;

namespace Inference.Tests.Samplers;

public class HamiltonianTests
{
    private static ILogDensity CorrelatedGaussian(int d, double rho) => LogDensity.FromTape(d, x =>
    {
        // AR(1)-style correlated Gaussian: x₁ ~ N(0,1), xᵢ | xᵢ₋₁ ~ N(ρxᵢ₋₁, 1 − ρ²)
        var head = Ops.Slice(x, 0, 1);
        var rest = Ops.Slice(x, 1, d - 1);
        var prev = Ops.Slice(x, 0, d - 1);
        return (-0.5 * Ops.Sum(Ops.Square(head))) - (0.5 / (1 - (rho * rho)) * Ops.Sum(Ops.Square(rest - (rho * prev))));
    });

    private static PhasePoint Start(ILogDensityEvaluator ev, Metric metric, int seed)
    {
        int d = ev.Dimension;
        var rng = new Rng(seed);
        var z = new PhasePoint(d);
        rng.Normal(z.Position);
        z.LogDensity = ev.LogDensityAndGradient(z.Position, z.Gradient);
        metric.SampleMomentum(rng, z.Momentum, new double[d]);
        metric.Velocity(z.Momentum, z.Velocity);
        return z;
    }

    [Theory]
    [InlineData(MetricKind.Unit)]
    [InlineData(MetricKind.Diagonal)]
    [InlineData(MetricKind.Dense)]
    public void Leapfrog_ForwardThenBackward_ReturnsToTheStartTo1e12(MetricKind kind)
    {
        const int D = 20;
        var ev = CorrelatedGaussian(D, 0.6).CreateEvaluator();
        var metric = kind switch
        {
            MetricKind.Unit => Metric.Unit(D),
            MetricKind.Diagonal => Metric.Diagonal(Enumerable.Range(0, D).Select(i => 0.5 + (0.05 * i)).ToArray()),
            _ => Metric.Dense(Enumerable.Range(0, D * D).Select(k => k / D == k % D ? 1.0 : (Math.Abs((k / D) - (k % D)) == 1 ? 0.3 : 0.0)).ToArray(), D),
        };
        var z = Start(ev, metric, 3);
        var x0 = (double[])z.Position.Clone();
        var p0 = (double[])z.Momentum.Clone();
        for (int i = 0; i < 100; i++)
        {
            Integrator.Leapfrog(z, ev, metric, 0.1);
        }

        for (int i = 0; i < 100; i++)
        {
            Integrator.Leapfrog(z, ev, metric, -0.1);
        }

        for (int i = 0; i < D; i++)
        {
            Assert.True(Math.Abs(z.Position[i] - x0[i]) < 1e-12, $"x[{i}]: {z.Position[i]:R} vs {x0[i]:R}");
            Assert.True(Math.Abs(z.Momentum[i] - p0[i]) < 1e-12, $"p[{i}]: {z.Momentum[i]:R} vs {p0[i]:R}");
        }
    }

    [Fact]
    public void EnergyError_ShrinksAboutFourfoldWhenTheStepHalves()
    {
        const int D = 10;
        var ev = CorrelatedGaussian(D, 0.5).CreateEvaluator();
        var metric = Metric.Unit(D);
        double Error(double eps)
        {
            double total = 0;
            for (int rep = 0; rep < 20; rep++)
            {
                var z = Start(ev, metric, 100 + rep);
                double h0 = z.Hamiltonian;
                int steps = (int)Math.Round(1.0 / eps);
                for (int i = 0; i < steps; i++)
                {
                    Integrator.Leapfrog(z, ev, metric, eps);
                }

                total += Math.Abs(z.Hamiltonian - h0);
            }

            return total;
        }

        double ratio = Error(0.1) / Error(0.05);
        Assert.InRange(ratio, 3.5, 4.5);
    }

    [Fact]
    public void WindowSchedule_EndsWhereStanEndsIt()
    {
        Assert.Equal([99, 149, 249, 449, 949], WindowSchedule.WindowEnds(1000));
        Assert.Equal([99, 149, 249, 449], WindowSchedule.WindowEnds(500));
        // 75 + 25 + 50 > 100: 15% / 75% / 10%: one window from 15 to 89
        Assert.Equal([89], WindowSchedule.WindowEnds(100));
        Assert.Empty(WindowSchedule.WindowEnds(19));
        Assert.False(new WindowSchedule(19).AdaptsMetric);
    }

    [Fact]
    public void DualAveraging_ConvergesToTheStepSizeThatGivesTheTarget()
    {
        // acceptance falls as the step grows: accept = exp(−ε²); the target 0.8 is reached at ε = √(−ln 0.8)
        var dual = new DualAveraging(0.8) { Mu = Math.Log(10 * 1.0) };
        dual.Restart();
        double eps = 1;
        for (int i = 0; i < 2000; i++)
        {
            eps = dual.Learn(Math.Exp(-eps * eps));
        }

        Assert.Equal(Math.Sqrt(-Math.Log(0.8)), dual.FinalStepSize, 0.01);
    }

    [Fact]
    public void DenseMetric_MomentumHasCovarianceTheInverseOfTheInverseMetric()
    {
        // A = [[2, 0.9], [0.9, 1]] ⇒ Cov(p) = A⁻¹
        var metric = Metric.Dense([2.0, 0.9, 0.9, 1.0], 2);
        var rng = new Rng(5);
        const int N = 200000;
        double s00 = 0, s01 = 0, s11 = 0;
        var p = new double[2];
        var scratch = new double[2];
        for (int i = 0; i < N; i++)
        {
            metric.SampleMomentum(rng, p, scratch);
            s00 += p[0] * p[0];
            s01 += p[0] * p[1];
            s11 += p[1] * p[1];
        }

        double det = (2 * 1) - (0.9 * 0.9);
        // the sd of a sample second moment of a normal is about √2·σ²/√N
        Assert.Equal(1 / det, s00 / N, 4 * Math.Sqrt(2) * (1 / det) / Math.Sqrt(N));
        Assert.Equal(-0.9 / det, s01 / N, 4 * Math.Sqrt(2) * (2 / det) / Math.Sqrt(N));
        Assert.Equal(2 / det, s11 / N, 4 * Math.Sqrt(2) * (2 / det) / Math.Sqrt(N));
    }
}
