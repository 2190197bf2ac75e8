// Writes reference/fixtures/flows/*-v1.json: flows saved by the version-1 serializer (dense weights [in, out]) with the
// outputs that library computed on a fixed batch, so the tests can check that today's loader reads old files exactly.
using System.Globalization;
using System.Text.Json;
using Inference.Autodiff;
using Inference.Flows;
using Inference.Flows.Bijectors;
using Inference.Randomness;

string folder = args.Length > 0 ? args[0] : ".";
Directory.CreateDirectory(folder);
var flows = new (string Name, FlowBijector Flow)[]
{
    ("realnvp", FlowDistribution.RealNvp(5, 3, [8, 8], new Rng(1)).Transform),
    ("iaf", FlowDistribution.MaskedAutoregressive(5, 2, [8], new Rng(2)).Transform),
    ("nsf", FlowDistribution.NeuralSpline(5, 2, [8], new Rng(3), bins: 4).Transform),
};
foreach (var (name, flow) in flows)
{
    var rng = new Rng(10);
    foreach (var p in flow.Parameters())
    {
        for (int i = 0; i < p.Value.Length; i++)
        {
            p.Value[i] += 0.1 * rng.Normal();
        }
    }

    using (var file = File.Create(Path.Combine(folder, $"{name}-v1.json")))
    {
        FlowSerializer.Save(flow, file);
    }

    var x = new double[4 * 5];
    new Rng(11).Normal(x);
    var tape = new Tape();
    var y = flow.Forward(tape.Constant(x, Shape.Matrix(4, 5)), out var logDet);
    var expected = new Dictionary<string, double[]> { ["input"] = x, ["forward"] = y.Value.ToArray(), ["log_det"] = logDet.Value.ToArray() };
    File.WriteAllText(Path.Combine(folder, $"{name}-v1-expected.json"), JsonSerializer.Serialize(expected));
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name}: {flow.ParameterCount} parameters"));
}
