using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Inference.Cli;

/// <summary>Exit codes of the <c>inference</c> tool.</summary>
public static class ExitCodes
{
    /// <summary>The work was done.</summary>
    public const int Success = 0;

    /// <summary>The work failed while running (the message says why).</summary>
    public const int Failure = 1;

    /// <summary>The command line or an input file was wrong; nothing was run.</summary>
    public const int BadInput = 2;

    /// <summary>Interrupted (Ctrl+C); what was finished has been written.</summary>
    public const int Cancelled = 130;
}

/// <summary>
/// The <c>inference</c> command line: <c>sample</c>, <c>summary</c>, <c>fit</c> and <c>compare</c>. <see cref="Run"/>
/// is the whole program, so tests drive it in-process with their own writers and token.
/// </summary>
public static class InferenceCli
{
    /// <summary>Runs the tool on <paramref name="args"/>; returns its exit code (<see cref="ExitCodes"/>).</summary>
    /// <param name="args">The command line.</param>
    /// <param name="output">Where tables, progress and file lists go (standard output).</param>
    /// <param name="error">Where errors go (standard error).</param>
    /// <param name="interactive">Whether the output is a terminal (animated progress, colours).</param>
    /// <param name="cancellationToken">Stops long work; what finished is written and the code is 130.</param>
    public static int Run(string[] args, TextWriter output, TextWriter error, bool interactive = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(error);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = interactive ? AnsiSupport.Detect : AnsiSupport.No,
            ColorSystem = interactive ? ColorSystemSupport.Detect : ColorSystemSupport.NoColors,
            Interactive = interactive ? InteractionSupport.Detect : InteractionSupport.No,
        });
        if (!interactive)
        {
            console.Profile.Width = 160;
        }

        var context = new CliContext(console, error, cancellationToken);
        var root = new RootCommand("Bayesian inference from the command line: sample reference posteriors, summarize Stan-CSV files, fit normalizing flows, compare samplers.")
        {
            SampleCommand.Create(context),
            SummaryCommand.Create(context),
            FitCommand.Create(context),
            CompareCommand.Create(context),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var e in parse.Errors)
            {
                error.WriteLine("error: " + e.Message);
            }

            error.WriteLine("Run 'inference --help' for the commands and their options.");
            return ExitCodes.BadInput;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false });
        }
        catch (OperationCanceledException)
        {
            error.WriteLine("Cancelled.");
            return ExitCodes.Cancelled;
        }
        catch (Exception ex) when (ex is ArgumentException or FormatException or FileNotFoundException or DirectoryNotFoundException or KeyNotFoundException or JsonException)
        {
            error.WriteLine("error: " + ex.Message);
            return ExitCodes.BadInput;
        }
        catch (Exception ex) when (ex is InvalidOperationException or IOException or UnauthorizedAccessException or ArithmeticException)
        {
            error.WriteLine("error: " + ex.Message);
            return ExitCodes.Failure;
        }
    }

    /// <summary>A comma-separated list option's values.</summary>
    internal static string[] List(string? text) =>
        string.IsNullOrWhiteSpace(text) ? [] : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    internal static ulong[] Seeds(string? text)
    {
        var items = List(text);
        return items.Length == 0 ? [1] : items.Select(s => ulong.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out ulong v)
            ? v : throw new ArgumentException($"--seeds: '{s}' is not a non-negative integer.")).ToArray();
    }
}

/// <summary>What every command shares: the console, the error writer and the cancellation token.</summary>
internal sealed record CliContext(IAnsiConsole Console, TextWriter Error, CancellationToken CancellationToken);
