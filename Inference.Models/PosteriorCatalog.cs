using Inference.Modeling;

namespace Inference.Models;

/// <summary>
/// The reference posteriors by their posteriordb names, built from Stan-format data (the data.json of
/// each posterior), so a model can be held to Stan's figures for the same posterior.
/// </summary>
public static class PosteriorCatalog
{
    /// <summary>The posteriors the catalog knows.</summary>
    public static IReadOnlyList<string> Names { get; } =
    [
        "eight_schools-eight_schools_noncentered", "eight_schools-eight_schools_centered", "synth-funnel10",
        "synth-rosenbrock2", "synth-gauss100_rot", "sblrc-blr", "kidiq-kidscore_momiq",
    ];

    /// <summary>The model of posterior <paramref name="name"/> with its <paramref name="data"/>.</summary>
    /// <exception cref="ArgumentException">The name is not in <see cref="Names"/>.</exception>
    public static Model Create(string name, StanData data)
    {
        ArgumentNullException.ThrowIfNull(data);
        return name switch
        {
            "eight_schools-eight_schools_noncentered" => EightSchools.NonCentered(data.Vector("y"), data.Vector("sigma")),
            "eight_schools-eight_schools_centered" => EightSchools.Centered(data.Vector("y"), data.Vector("sigma")),
            "synth-funnel10" => Funnel.Create(data.Integer("K")),
            "synth-rosenbrock2" => Rosenbrock.Create(data.Scalar("a"), data.Scalar("b"), data.Scalar("mu")),
            "synth-gauss100_rot" => RotatedGaussian.Create(data.Vector("s"), data.Matrix("Q")),
            "sblrc-blr" => LinearRegression.Create(data.Matrix("X"), data.Vector("y")),
            "kidiq-kidscore_momiq" => KidIq.Create(data.Vector("kid_score"), data.Vector("mom_iq")),
            _ => throw new ArgumentException($"Unknown posterior '{name}'; known: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    /// <summary>Loads posterior <paramref name="name"/> from a posteriors folder laid out as <c>&lt;folder&gt;/&lt;name&gt;/data.json</c>.</summary>
    public static Model Load(string name, string posteriorsFolder)
    {
        ArgumentNullException.ThrowIfNull(posteriorsFolder);
        return Create(name, StanData.Load(Path.Combine(posteriorsFolder, name, "data.json")));
    }
}
