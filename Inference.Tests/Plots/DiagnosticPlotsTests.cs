using System.Xml.Linq;
using Inference.Models;
using Inference.Plots;
using Inference.Results;
using Inference.Samplers.Running;
using SkiaSharp;

namespace Inference.Tests.Plots;

/// <summary>
/// Every plot kind rendered for an eight-schools run, as PNG and SVG: each file decodes, has the stated size, and is
/// not blank (a fair share of its pixels are neither background nor one flat colour). Set INFERENCE_PLOT_DIR to keep
/// the files and look at them.
/// </summary>
public sealed class DiagnosticPlotsTests : IDisposable
{
    private static readonly Lazy<PosteriorDraws> Run = new(() =>
        ChainRunner.Nuts(EightSchools.Centered().Compile(), new RunSettings { Chains = 4, Warmup = 300, Draws = 300, Seed = 11 }));

    private readonly string _folder;
    private readonly bool _keep;

    public DiagnosticPlotsTests()
    {
        string? keep = Environment.GetEnvironmentVariable("INFERENCE_PLOT_DIR");
        _keep = !string.IsNullOrEmpty(keep);
        _folder = _keep ? Directory.CreateDirectory(keep!).FullName : Directory.CreateTempSubdirectory("inference-plots-").FullName;
    }

    public void Dispose()
    {
        if (!_keep)
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    public static TheoryData<string> Kinds() => new() { "trace", "rank", "pairs", "energy", "elbo", "bars" };

    private string Draw(string kind, string extension)
    {
        var draws = Run.Value;
        string path = Path.Combine(_folder, $"eight-schools-{kind}.{extension}");
        string[] some = ["mu", "tau", "theta[1]"];
        switch (kind)
        {
            case "trace": DiagnosticPlots.Trace(draws, path, some); break;
            case "rank": DiagnosticPlots.RankHistograms(draws, path, some); break;
            case "pairs": DiagnosticPlots.Pairs(draws, path, some); break;
            case "energy": DiagnosticPlots.Energy(draws, path); break;
            case "elbo": DiagnosticPlots.ElboCurve(Enumerable.Range(1, 500).Select(i => -40 + (10 * (1 - Math.Exp(-i / 80.0))) + Math.Sin(i)).ToArray(), path); break;
            default:
                DiagnosticPlots.Bars(["eight schools", "funnel"], new Dictionary<string, double[]> { ["nuts"] = [0.9, 0.18], ["neutra"] = [56, 121] }, path, "ESS per 1000 gradients", "ESS / 1000 gradients", logScale: true);
                break;
        }

        return path;
    }

    private static (int Width, int Height) ExpectedSize(string kind) => kind switch
    {
        "trace" => (1000, 600),
        "rank" => (1000, 540),
        "pairs" => (900, 900),
        "energy" => (900, 500),
        "elbo" => (900, 450),
        _ => (1000, 500),
    };

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Png_DecodesAtItsSize_AndIsNotBlank(string kind)
    {
        using var bitmap = SKBitmap.Decode(Draw(kind, "png"));
        Assert.NotNull(bitmap);
        Assert.Equal(ExpectedSize(kind), (bitmap.Width, bitmap.Height));
        var pixels = bitmap.Pixels;
        var ink = pixels.Count(p => p.Red < 230 || p.Green < 230 || p.Blue < 230);
        var colours = pixels.Select(p => (uint)p).Distinct().Count();
        Assert.True(ink > pixels.Length / 100, $"only {ink} of {pixels.Length} pixels are drawn");
        Assert.True(colours > 20, $"only {colours} colours");
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Svg_IsWellFormedAtItsSize_AndDrawsPaths(string kind)
    {
        var svg = XDocument.Load(Draw(kind, "svg"));
        var root = svg.Root!;
        Assert.Equal("svg", root.Name.LocalName);
        Assert.Equal(ExpectedSize(kind), (int.Parse(root.Attribute("width")!.Value, System.Globalization.CultureInfo.InvariantCulture), int.Parse(root.Attribute("height")!.Value, System.Globalization.CultureInfo.InvariantCulture)));
        Assert.True(root.Descendants().Count(e => e.Name.LocalName is "path" or "text") > 20);
    }

    [Fact]
    public void BadArguments_AreRefusedBeforeDrawing()
    {
        string folder = Directory.CreateTempSubdirectory("inference-bad-plots-").FullName;
        string path = Path.Combine(folder, "x.jpg");
        Assert.Equal("path", Assert.Throws<ArgumentException>(() => DiagnosticPlots.Trace(Run.Value, path)).ParamName);
        Assert.False(File.Exists(path));
        Assert.Throws<KeyNotFoundException>(() => DiagnosticPlots.Trace(Run.Value, Path.Combine(folder, "t.png"), ["nope"]));
        Assert.Throws<ArgumentException>(() => DiagnosticPlots.Bars(["a"], new Dictionary<string, double[]> { ["s"] = [1, 2] }, Path.Combine(folder, "b.png"), "t", "y"));
        var vi = new PosteriorDraws(["x"], [new ChainDraws(1, [1.0, 2.0, 3.0], 3, [new DrawStats(0, double.NaN, double.NaN, 0, 0, false, double.NaN), default, default])], true, "vi", 1);
        Assert.Contains("carry no energies", Assert.Throws<InvalidOperationException>(() => DiagnosticPlots.Energy(vi, Path.Combine(folder, "e.png"))).Message, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(folder));
        Directory.Delete(folder);
    }
}
