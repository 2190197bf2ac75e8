namespace Inference.Samplers.Running;

/// <summary>A chain of a run failed: says which, and keeps the cause as <see cref="Exception.InnerException"/>.</summary>
public sealed class ChainFailedException : InvalidOperationException
{
    /// <summary>Creates the exception for chain <paramref name="chain"/> (1-based) failing with <paramref name="cause"/>.</summary>
    public ChainFailedException(int chain, Exception cause, int failedChains = 1)
        : base(Describe(chain, cause, failedChains), cause)
    {
        Chain = chain;
        FailedChains = failedChains;
    }

    /// <summary>Creates the exception with a message.</summary>
    public ChainFailedException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ChainFailedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public ChainFailedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The failed chain (1-based; the first one when several failed).</summary>
    public int Chain { get; }

    /// <summary>How many chains failed.</summary>
    public int FailedChains { get; }

    private static string Describe(int chain, Exception cause, int failedChains)
    {
        ArgumentNullException.ThrowIfNull(cause);
        string others = failedChains > 1 ? $" ({failedChains - 1} other chain(s) failed too)" : "";
        return $"Chain {chain} failed{others}: {cause.GetType().Name}: {cause.Message}";
    }
}
