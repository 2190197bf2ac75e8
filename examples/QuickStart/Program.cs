// Inference quick start: eight schools, from the model to variational inference, NUTS and NeuTra-NUTS, with the
// summaries, Stan-CSV files and plots a user looks at. `--output DIR` chooses where the files go.
using Inference;
using Inference.Distributions;
using Inference.Modeling;
using Inference.Plots;
using Inference.Results;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;
using Inference.Workflow;

string output = args.Length == 2 && args[0] == "--output" ? args[1] : "quickstart-output";

// The model: effects y of a coaching programme in eight schools, with known standard errors (non-centered form).
double[] y = [28, 8, -3, 7, -1, 1, 18, 12], sigma = [15, 10, 16, 11, 9, 11, 10, 18];
var (standard, muPrior, tauPrior) = (new Normal(0, 1), new Normal(0, 5), new HalfCauchy(5));
var model = Model.Create("eight_schools", m =>
{
    var thetaTrans = m.Parameter("theta_trans", 8, standard);
    var mu = m.Parameter("mu", muPrior);
    var tau = m.Parameter("tau", tauPrior);              // positive: sampled as log tau
    var theta = mu + (tau * thetaTrans);
    m.Observe(Normal.LogProb(m.Data("y", y), theta, m.Data("sigma", sigma)));
    m.Derived("theta", theta);
});

// 1. Variational inference: a RealNVP flow fitted by reverse KL, judged by PSIS k̂.
var fit = model.Fit(progress: new ConsoleProgress("VI, RealNVP 8 × 2×64"));
Console.WriteLine($"ELBO {fit.Elbo:F3} ± {fit.ElboStandardError:F3}; fit {fit.Verdict}; tau: q mean {fit["tau"].Mean:F2}, PSIS mean {fit["tau"].PsisMean:F2}");
foreach (var warning in fit.Warnings)
{
    Console.WriteLine("Warning: " + warning);
}

// 2. NUTS with Stan's warmup: 4 chains × (1000 warmup + 1000 draws).
var settings = new RunSettings { Seed = 2026 };
var draws = model.Sample(settings, progress: new ConsoleProgress("NUTS", chains: settings.Chains));
var summary = draws.Summary();
Console.Write(summary);

// 3. NeuTra-NUTS: NUTS on the model pulled back through the fitted flow, where the posterior looks like N(0, I).
var neutra = ChainRunner.Nuts(new NeuTraDensity(model.Compile(), fit.Flow.Transform), settings, progress: new ConsoleProgress("NeuTra-NUTS", chains: settings.Chains));
var neutraSummary = neutra.Summary();
double Efficiency(PosteriorDraws d, PosteriorSummary s) => 1000 * s.Rows.Take(10).Min(r => r.EssBulk) / d.SamplingGradients;
Console.WriteLine($"NeuTra-NUTS: tau mean {neutraSummary["tau"].Mean:F2} (NUTS {summary["tau"].Mean:F2}); min ESS_bulk per 1000 gradients " +
                  $"{Efficiency(neutra, neutraSummary):F1} against {Efficiency(draws, summary):F1} for plain NUTS; {neutra.Divergences} divergences.");

// 4. Files: Stan-CSV (CmdStan's format), a JSON summary, and the diagnostic plots.
var files = StanCsvWriter.WriteAll(draws, output).ToList();
JsonSummaryWriter.WriteFile(summary, draws, Path.Combine(output, "summary.json"));
string[] shown = ["mu", "tau", "theta[1]"];
DiagnosticPlots.Trace(draws, Path.Combine(output, "trace.png"), shown);
DiagnosticPlots.RankHistograms(draws, Path.Combine(output, "rank.png"), shown);
DiagnosticPlots.Pairs(draws, Path.Combine(output, "pairs.png"), shown);
DiagnosticPlots.Energy(draws, Path.Combine(output, "energy.png"));
DiagnosticPlots.ElboCurve(fit.ElboHistory, Path.Combine(output, "elbo.png"));
Console.WriteLine($"Wrote {files.Count} Stan-CSV files, summary.json and trace, rank, pairs, energy and ELBO plots to {Path.GetFullPath(output)}.");
