using System.Text.Json;

namespace Inference.Tests.Support;

/// <summary>Locates ../shared (the fixtures and reference posteriors beside the repository).</summary>
internal static class SharedFixtures
{
    private static readonly Lazy<string> RootPath = new(FindRoot);

    public static string Root => RootPath.Value;

    public static string Path(params string[] parts) => System.IO.Path.Combine([Root, .. parts]);

    public static JsonDocument Json(params string[] parts) => JsonDocument.Parse(File.ReadAllText(Path(parts)));

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = System.IO.Path.Combine(dir.FullName, "shared");
            if (Directory.Exists(System.IO.Path.Combine(candidate, "fixtures")) && Directory.Exists(System.IO.Path.Combine(candidate, "posteriors")))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException($"No shared/fixtures found above {AppContext.BaseDirectory}: the reference fixtures must sit beside the repository.");
    }
}
