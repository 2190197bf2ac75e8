namespace Inference.Cli;

/// <summary>The <c>inference</c> tool's entry point: Ctrl+C cancels the work in progress, which then writes what it finished.</summary>
public static class Program
{
    /// <summary>Runs the command line.</summary>
    public static int Main(string[] args)
    {
        using var cts = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            cts.Cancel();
        };
        bool interactive = !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("CI") is null;
        return InferenceCli.Run(args, Console.Out, Console.Error, interactive, cts.Token);
    }
}
