using System.Globalization;

namespace Inference.Distributions;

/// <summary>
/// The one check of observed data where it enters a model or a distribution: every value must be finite. A NaN or
/// an infinity in data otherwise surfaces later as a non-finite gradient blamed on the parameters.
/// </summary>
internal static class DataCheck
{
    /// <summary>Raises <see cref="ArgumentException"/> (for <paramref name="paramName"/>) naming <paramref name="dataName"/> and the first value that is not finite.</summary>
    public static void Finite(ReadOnlySpan<double> values, string dataName, string paramName)
    {
        for (int i = 0; i < values.Length; i++)
        {
            if (!double.IsFinite(values[i]))
            {
                int bad = 0;
                foreach (double v in values)
                {
                    bad += double.IsFinite(v) ? 0 : 1;
                }

                throw new ArgumentException(
                    string.Create(CultureInfo.InvariantCulture, $"Data '{dataName}' has a non-finite value ({values[i]}) at index {i} ({bad} of its {values.Length} values are not finite): observed data must be finite (drop or impute missing values before the model sees them, or model them as parameters)."),
                    paramName);
            }
        }
    }
}
