namespace Inference.Results;

/// <summary>Stan-style variable names (<c>theta[2]</c>, <c>L[2,1]</c>) and the error for a name that is not there.</summary>
public static class VariableNames
{
    /// <summary>The variable a column belongs to: <c>theta[2]</c> → <c>theta</c>.</summary>
    public static string BaseName(string column)
    {
        ArgumentNullException.ThrowIfNull(column);
        int k = column.IndexOf('[', StringComparison.Ordinal);
        return k > 0 ? column[..k] : column;
    }

    /// <summary>The exception for a lookup of <paramref name="name"/> among <paramref name="names"/>, listing the variables there are.</summary>
    public static KeyNotFoundException NotFound(string name, IReadOnlyList<string> names)
    {
        ArgumentNullException.ThrowIfNull(names);
        var bases = names.Select(BaseName).Distinct().ToArray();
        string known = bases.Length <= 12 ? string.Join(", ", bases) : string.Join(", ", bases.Take(12)) + ", …";
        return new KeyNotFoundException($"There is no variable '{name}'. The variables are: {known}.");
    }
}
