// Hierarchical logistic regression: 200 pupils in 10 schools pass or fail against three standardized predictors,
// with an intercept per school around a grand mean (half-normal scale). NUTS, flow VI and NeuTra-NUTS on one model.
using System.Globalization;
using Inference;
using Inference.Autodiff;
using Inference.Distributions;
using Inference.Modeling;
using Inference.Samplers.Reparam;
using Inference.Samplers.Running;

var rows = File.ReadLines(Path.Combine(AppContext.BaseDirectory, "pupils.csv")).Skip(1)
    .Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToArray();
int[] school = rows.Select(r => (int)r[0]).ToArray();
double[,] x = new double[rows.Length, 3];
for (int i = 0; i < rows.Length; i++) { x[i, 0] = rows[i][1]; x[i, 1] = rows[i][2]; x[i, 2] = rows[i][3]; }
double[] passed = rows.Select(r => r[4]).ToArray();

var (weak, scale, standard) = (new Normal(0, 2.5), new HalfNormal(1), new Normal(0, 1));
var model = Model.Create("pupils", m =>
{
    var mu = m.Parameter("mu", weak);                       // grand intercept
    var beta = m.Parameter("beta", 3, weak);                // prior grade, absences, homework
    var sigma = m.Parameter("sigma", scale);                // spread of the school intercepts
    var z = m.Parameter("school_z", 10, standard);          // non-centered school effects
    var intercept = mu + (sigma * z);
    var eta = Ops.Gather(intercept, school) + Ops.MatMul(m.Data("x", x), beta);
    m.Observe(Bernoulli.LogProbLogit(m.Data("passed", passed), eta));
    m.Derived("school_intercept", intercept);
});

var settings = new RunSettings { Seed = 1 };
var nuts = model.Sample(settings);
Console.Write(nuts.Summary());
var fit = model.Fit();
Console.WriteLine($"VI: {fit.Verdict}; sigma {fit["sigma"].PsisMean:F2} against NUTS {nuts["sigma"].Mean:F2}; beta[2] {fit["beta[2]"].PsisMean:F2} against {nuts["beta[2]"].Mean:F2}");
var neutra = ChainRunner.Nuts(new NeuTraDensity(model.Compile(), fit.Flow.Transform), settings);
Console.Write(neutra.Summary());
