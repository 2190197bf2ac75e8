using System.Text.Json;

namespace Inference.Reference;

/// <summary>
/// Locates the repository's <c>reference/</c> folder (Stan, posterior and loo fixtures; the reference posteriors)
/// from the running program, by walking up from its output folder. Linked into the test and benchmark projects and the examples that read the reference posteriors;
/// nothing outside the repository is read.
/// </summary>
internal static class ReferenceData
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    /// <summary>The <c>reference/</c> folder, holding <c>fixtures/</c> and <c>posteriors/</c>.</summary>
    public static string Root => RootPath.Value;

    /// <summary>The posteriordb-layout folder of reference posteriors.</summary>
    public static string Posteriors => System.IO.Path.Combine(Root, "posteriors");

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static JsonDocument Json(params string[] parts) => JsonDocument.Parse(File.ReadAllText(Path(parts)));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "reference");
            if (Directory.Exists(System.IO.Path.Combine(candidate, "fixtures")) && Directory.Exists(System.IO.Path.Combine(candidate, "posteriors")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"No reference/fixtures and reference/posteriors found above {AppContext.BaseDirectory}: run from inside the repository.");
    }
}
