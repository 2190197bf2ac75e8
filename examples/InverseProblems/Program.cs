// 1-D deconvolution: recover a smooth signal x (16 samples) from a blurred, noisy observation y = K x + noise.
// The blur runs as an external "solver" with its adjoint (a custom op), a conditional flow learns q(x | y) for every y
// from simulated pairs, and on one observation it is checked against NUTS on the exact posterior. The posterior mean and
// 90% band of both are written to deconvolution.svg.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Inference.Autodiff;
using Inference.Flows;
using Inference.Flows.InverseProblems;
using Inference.InverseProblems;
using Inference.Randomness;
using Inference.Samplers.Running;
using Inference.Workflow.InverseProblems;

const int N = 16;
const double Step = 0.35, Noise = 0.05;
string output = args.Length > 1 && args[0] == "--output" ? args[1] : "deconvolution.svg";
var inv = CultureInfo.InvariantCulture;

// the blur: a Gaussian kernel of width 1.5 samples, written as a solver and its adjoint (the transposed blur)
double[] kernel = Enumerable.Range(-4, 9).Select(k => Math.Exp(-0.5 * k * k / (1.5 * 1.5))).ToArray();
double total = kernel.Sum();
kernel = kernel.Select(k => k / total).ToArray();
void Blur(ReadOnlySpan<double> x, Span<double> y)
{
    for (int i = 0; i < N; i++)
    {
        double s = 0;
        for (int k = -4; k <= 4; k++)
        {
            int j = i + k;
            s += j >= 0 && j < N ? kernel[k + 4] * x[j] : 0;
        }

        y[i] = s;
    }
}

void BlurAdjoint(ReadOnlySpan<double> x, ReadOnlySpan<double> yBar, Span<double> xBar)
{
    xBar.Clear();
    for (int i = 0; i < N; i++)
    {
        for (int k = -4; k <= 4; k++)
        {
            int j = i + k;
            if (j >= 0 && j < N)
            {
                xBar[j] += kernel[k + 4] * yBar[i];
            }
        }
    }
}

// the prior: a Gaussian random walk, x₁ ~ N(0, 1), xᵢ − xᵢ₋₁ ~ N(0, 0.35²)
var prior = Prior.FromTape(
    N,
    x =>
    {
        var first = Ops.Slice(x, 0, 1);
        var steps = Ops.Slice(x, 1, N - 1) - Ops.Slice(x, 0, N - 1);
        return (-0.5 * Ops.Sum(Ops.Square(first), -1)) - (0.5 * Ops.Sum(Ops.Square(steps / Step), -1)) - ((N - 1) * Math.Log(Step)) - (N * 0.9189385332046727);
    },
    (rng, x) =>
    {
        x[0] = rng.Normal();
        for (int i = 1; i < N; i++)
        {
            x[i] = x[i - 1] + (Step * rng.Normal());
        }
    });
var problem = new InverseProblem(prior, ForwardOperator.FromSolver(N, N, Blur, BlurAdjoint, "blur"), NoiseModel.Gaussian(Noise));

// amortized posterior: a conditional RealNVP trained on fresh simulated pairs
var watch = Stopwatch.StartNew();
var flow = FlowDistribution.RealNvp(N, 6, [64, 64], new Rng(1), contextDimension: N);
var fit = AmortizedPosterior.Fit(flow, problem, new AmortizedOptions { Iterations = 3000, BatchSize = 256, LearningRate = 1e-3, EvaluateEvery = 500, Seed = 2 },
    new Progress<Inference.Flows.Variational.FitProgress>(p => Console.WriteLine(string.Create(inv, $"  step {p.Iteration}/{p.Iterations}: held-out log q(x | y) {p.Elbo:F2}"))));
Console.WriteLine(string.Create(inv, $"Amortized posterior trained in {watch.Elapsed.TotalSeconds:F1} s: held-out log q(x | y) = {fit.HeldOutLogLikelihood:F2} ± {fit.HeldOutStandardError:F2} over {fit.HeldOutPairs} pairs"));

// one observation, the flow against NUTS on the exact posterior
var (truth, observed) = problem.Simulate(new Rng(3), 1);
watch.Restart();
var comparison = PosteriorComparison.Compare(fit.Flow, problem, observed, new PosteriorComparisonOptions { Nuts = new RunSettings { Chains = 4, Warmup = 1000, Draws = 1000, Seed = 4 }, FlowDraws = 4000 });
Console.WriteLine(string.Create(inv, $"NUTS on the exact posterior: {watch.Elapsed.TotalSeconds:F1} s, {comparison.Nuts.Divergences} divergences"));
Console.WriteLine(comparison);

// posterior mean and 90% band of each, as an SVG plot
var nutsDraws = Enumerable.Range(0, N).Select(j => comparison.Nuts.Column(j).SelectMany(c => c).ToArray()).ToArray();
var flowDraws = Enumerable.Range(0, N).Select(j => Enumerable.Range(0, comparison.FlowDraws.Length / N).Select(i => comparison.FlowDraws[(i * N) + j]).ToArray()).ToArray();
File.WriteAllText(output, Svg(truth, observed, nutsDraws, flowDraws));
Console.WriteLine($"Wrote {Path.GetFullPath(output)}");

static double Quantile(double[] values, double q)
{
    var sorted = values.Order().ToArray();
    double at = q * (sorted.Length - 1);
    int lo = (int)Math.Floor(at);
    return sorted[lo] + ((at - lo) * (sorted[Math.Min(lo + 1, sorted.Length - 1)] - sorted[lo]));
}

static string Svg(double[] truth, double[] observed, double[][] nuts, double[][] flow)
{
    var inv = CultureInfo.InvariantCulture;
    int n = truth.Length;
    double width = 720, height = 400, margin = 50;
    var all = truth.Concat(observed).Concat(nuts.Select(d => Quantile(d, 0.05))).Concat(nuts.Select(d => Quantile(d, 0.95))).Concat(flow.Select(d => Quantile(d, 0.05))).Concat(flow.Select(d => Quantile(d, 0.95))).ToArray();
    double lo = all.Min() - 0.2, hi = all.Max() + 0.2;
    double X(double i) => margin + (i / (n - 1) * (width - (2 * margin)));
    double Y(double v) => height - margin - ((v - lo) / (hi - lo) * (height - (2 * margin)));
    string Line(IEnumerable<double> v, string color, string dash = "") =>
        $"<polyline fill=\"none\" stroke=\"{color}\" stroke-width=\"2\" {dash} points=\"{string.Join(' ', v.Select((y, i) => string.Create(inv, $"{X(i):F1},{Y(y):F1}")))}\"/>";
    string Band(double[][] draws, string color)
    {
        var upper = draws.Select((d, i) => string.Create(inv, $"{X(i):F1},{Y(Quantile(d, 0.95)):F1}"));
        var lower = draws.Select((d, i) => string.Create(inv, $"{X(i):F1},{Y(Quantile(d, 0.05)):F1}")).Reverse();
        return $"<polygon fill=\"{color}\" fill-opacity=\"0.25\" stroke=\"none\" points=\"{string.Join(' ', upper.Concat(lower))}\"/>";
    }

    var sb = new StringBuilder();
    sb.AppendLine(string.Create(inv, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"13\">"));
    sb.AppendLine("<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    sb.AppendLine(string.Create(inv, $"<line x1=\"{margin}\" y1=\"{height - margin}\" x2=\"{width - margin}\" y2=\"{height - margin}\" stroke=\"black\"/><line x1=\"{margin}\" y1=\"{margin}\" x2=\"{margin}\" y2=\"{height - margin}\" stroke=\"black\"/>"));
    sb.AppendLine(Band(nuts, "#1f77b4"));
    sb.AppendLine(Band(flow, "#ff7f0e"));
    sb.AppendLine(Line(nuts.Select(d => d.Average()), "#1f77b4"));
    sb.AppendLine(Line(flow.Select(d => d.Average()), "#ff7f0e", "stroke-dasharray=\"6 3\""));
    sb.AppendLine(Line(truth, "black", "stroke-dasharray=\"2 3\""));
    for (int i = 0; i < n; i++)
    {
        sb.AppendLine(string.Create(inv, $"<circle cx=\"{X(i):F1}\" cy=\"{Y(observed[i]):F1}\" r=\"3\" fill=\"#2ca02c\"/>"));
    }

    sb.AppendLine(string.Create(inv, $"<text x=\"{margin}\" y=\"25\">Deconvolution: posterior mean and 90% band, NUTS (blue) and the amortized flow (orange, dashed); truth dotted, observation green</text>"));
    sb.AppendLine(string.Create(inv, $"<text x=\"{width / 2}\" y=\"{height - 12}\">sample index</text><text x=\"8\" y=\"{margin - 8}\">x</text>"));
    sb.AppendLine("</svg>");
    return sb.ToString();
}
