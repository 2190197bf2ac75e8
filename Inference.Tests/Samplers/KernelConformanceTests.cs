using Inference.Densities;
using Inference.Diagnostics;
using Inference.Results;
using Inference.Samplers.Kernels;
using Inference.Samplers.Population;
using Inference.Samplers.Running;

namespace Inference.Tests.Samplers;

/// <summary>
/// Every kernel, flowMC included, on the standard targets: a 5-D correlated Gaussian with unit marginals and a 3-D
/// Gaussian whose scales span two orders of magnitude. Means and second moments within 4·MCSE, R-hat below 1.01, and
/// the acceptance near its target for the kernels that adapt towards one.
/// </summary>
public class KernelConformanceTests
{
    private static readonly double[] Scales = [0.1, 1, 10];

    public static TheoryData<string, string> Cases()
    {
        var data = new TheoryData<string, string>();
        foreach (var kernel in new[] { "nuts", "hmc", "mala", "rwm", "independence", "nuts+global", "flowmc" })
        {
            foreach (var target in new[] { "correlated5", "scales3" })
            {
                data.Add(kernel, target);
            }
        }

        return data;
    }

    private static IMcmcKernel Make(string name, string target)
    {
        int d = target == "correlated5" ? 5 : 3;
        return name switch
        {
            "nuts" => new Nuts(),
            // Stan's default integration time 2π is one full oscillation period for unit-scale directions, which sends
            // trajectories back near their start (the resonance fixed-length HMC is known for); a quarter period is
            // the natural choice for these targets once the metric is adapted.
            "hmc" => new StaticHmc(new StaticHmcOptions { PathLength = Math.PI / 2 }),
            "mala" => new Mala(),
            "rwm" => new RandomWalkMetropolis(),
            // twice the target's scales: bounded importance weights
            "independence" => new IndependenceMetropolis(target == "correlated5" ? GaussianProposal.Isotropic(5, 2) : Wide(Scales)),
            "nuts+global" => new LocalGlobalKernel(new Nuts(), MixtureProposal.GaussianWithStudentT(d, 3, 0.3), 3),
            _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a chain kernel."),
        };
    }

    private static GaussianProposal Wide(double[] scales)
    {
        int d = scales.Length;
        var cov = new double[d * d];
        for (int i = 0; i < d; i++)
        {
            cov[(i * d) + i] = 4 * scales[i] * scales[i];
        }

        return new GaussianProposal(new double[d], cov);
    }

    private static ILogDensity Target(string name) => name == "correlated5"
        ? LogDensity.FromTape(5, x =>
        {
            const double Rho = 0.7;
            var head = Ops.Slice(x, 0, 1);
            var rest = Ops.Slice(x, 1, 4);
            var prev = Ops.Slice(x, 0, 4);
            return (-0.5 * Ops.Sum(Ops.Square(head))) - (0.5 / (1 - (Rho * Rho)) * Ops.Sum(Ops.Square(rest - (Rho * prev))));
        })
        : LogDensity.FromTape(3, x => -0.5 * Ops.Sum(Ops.Square(x / x.Tape.Constant(Tensor.FromVector(Scales)))));

    private static PosteriorDraws Sample(string kernel, string target)
    {
        if (kernel == "flowmc")
        {
            // the population sampler with a Gaussian refitted by moments as its trainable proposal (the flow-trained
            // proposal is tested in FlowMcTests); production draws from the frozen kernel
            int d = target == "correlated5" ? 5 : 3;
            var options = new FlowMcOptions { Chains = 8, LocalSteps = 20, GlobalSteps = 5, TrainingLoops = 8, ProductionLoops = 150, HistoryWindow = 200, MaxExamples = 2000, Seed = 17 };
            return FlowMc.Sample(Target(target), GaussianProposal.Isotropic(d), options).Draws;
        }

        // random-walk and Langevin proposals mix slowly: they need more draws for R-hat and MCSE to be meaningful
        int draws = kernel switch { "rwm" => 20000, "mala" => 8000, "independence" => 20000, _ => 2000 };
        return ChainRunner.Run(Make(kernel, target), Target(target), new RunSettings { Seed = 17, Draws = draws });
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Kernel_OnAStandardTarget_RecoversTheMoments(string kernel, string target)
    {
        var trace = Sample(kernel, target);
        var failures = new List<string>();
        for (int j = 0; j < trace.Names.Count; j++)
        {
            double variance = target == "correlated5" ? 1 : Scales[j] * Scales[j];
            var x = trace.Column(j);
            double mean = Summaries.Mean(x), mcse = Summaries.McseMean(x);
            if (Math.Abs(mean) > 4 * mcse)
            {
                failures.Add($"mean x[{j}] {mean:F4} (MCSE {mcse:F4})");
            }

            var squares = x.Select(c => c.Select(v => v * v).ToArray()).ToArray();
            double m2 = Summaries.Mean(squares), mcse2 = Summaries.McseMean(squares);
            if (Math.Abs(m2 - variance) > 4 * mcse2)
            {
                failures.Add($"E x[{j}]² {m2:F4} vs {variance} (MCSE {mcse2:F4})");
            }

            double rhat = Convergence.Rhat(x);
            if (!(rhat < 1.01))
            {
                failures.Add($"R-hat x[{j}] {rhat:F4}");
            }
        }

        // Dual averaging (Hamiltonian kernels) brings the warmup average to δ; its final step exp(x̄) is smaller than
        // the last iterates, so acceptance after warmup sits at or above δ (as in Stan): too large a step shows as
        // acceptance well below δ, a collapsed one as acceptance near 1. Robbins–Monro (proposal kernels) aims the
        // averaged scale at δ itself. Independence moves have no step to adapt.
        if (kernel is "nuts" or "hmc" or "mala" or "rwm")
        {
            var k = Make(kernel, target);
            double accept = trace.Chains.SelectMany(c => c.Stats).Average(s => s.AcceptStat);
            double delta = k.Info.DefaultTargetAcceptance;
            bool ok = k is not ProposalKernel ? accept >= delta - 0.05 && accept < 0.99 : Math.Abs(accept - delta) <= 0.1;
            if (!ok)
            {
                failures.Add($"mean acceptance {accept:F3}, target {delta}");
            }
        }

        Assert.True(failures.Count == 0, $"{kernel} on {target}:\n" + string.Join("\n", failures));
        Assert.Equal(kernel, trace.Sampler);
    }
}
