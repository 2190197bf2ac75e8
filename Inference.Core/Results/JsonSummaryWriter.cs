using System.Text.Json;

namespace Inference.Results;

/// <summary>Writes a <see cref="PosteriorSummary"/> as JSON (rows and warnings; NaN becomes null).</summary>
public static class JsonSummaryWriter
{
    /// <summary>Writes <paramref name="summary"/> of a run with <paramref name="trace"/> to <paramref name="stream"/>.</summary>
    public static void Write(PosteriorSummary summary, PosteriorDraws trace, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(trace);
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        w.WriteStartObject();
        w.WriteString("sampler", trace.Sampler);
        w.WriteNumber("seed", trace.Seed);
        w.WriteNumber("chains", trace.Chains.Count);
        w.WriteStartArray("draws_per_chain");
        foreach (int count in summary.DrawsPerChain)
        {
            w.WriteNumberValue(count);
        }

        w.WriteEndArray();
        w.WriteNumber("draws_summarized_per_chain", summary.CommonDraws);
        w.WriteBoolean("independent_draws", summary.AreIndependent);
        w.WriteBoolean("completed", trace.Completed);
        w.WriteNumber("divergences", trace.Divergences);
        w.WriteNumber("sampling_gradients", trace.SamplingGradients);
        w.WriteStartArray("variables");
        foreach (var r in summary.Rows)
        {
            w.WriteStartObject();
            w.WriteString("variable", r.Variable);
            Number(w, "mean", r.Mean);
            Number(w, "sd", r.Sd);
            Number(w, "mcse_mean", r.Mcse);
            Number(w, "q5", r.Q5);
            Number(w, "q50", r.Q50);
            Number(w, "q95", r.Q95);
            Number(w, "rhat", r.Rhat);
            Number(w, "ess_bulk", r.EssBulk);
            Number(w, "ess_tail", r.EssTail);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteStartArray("warnings");
        foreach (var warning in summary.Warnings)
        {
            w.WriteStringValue(warning);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>Writes the summary to the file <paramref name="path"/>, whole or not at all.</summary>
    public static void WriteFile(PosteriorSummary summary, PosteriorDraws trace, string path)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(trace);
        AtomicFile.Write(path, stream => Write(summary, trace, stream));
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        if (double.IsFinite(value))
        {
            w.WriteNumber(name, value);
        }
        else
        {
            w.WriteNull(name);
        }
    }
}
