using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Hosting;

namespace Inference.Distributed;

/// <summary>Registers the grid's pieces with an Orleans silo or client.</summary>
public static class GridHosting
{
    /// <summary>How long a caller waits for one cell's answer before it counts the attempt as lost (default 30 minutes).</summary>
    public static readonly TimeSpan DefaultCellTimeout = TimeSpan.FromMinutes(30);

    /// <summary>
    /// Adds the cell grain's model registry to a silo: the catalog's reference posteriors and whatever
    /// <paramref name="models"/> registers (every silo of a cluster must register the same names); raises the
    /// response timeout to <paramref name="cellTimeout"/> so that long cells are not cut off.
    /// </summary>
    public static ISiloBuilder AddInferenceGrid(this ISiloBuilder silo, Action<ModelRegistry>? models = null, TimeSpan? cellTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(silo);
        var registry = new ModelRegistry();
        models?.Invoke(registry);
        silo.Services.AddSingleton(registry);
        silo.Configure<SiloMessagingOptions>(o => o.ResponseTimeout = cellTimeout ?? DefaultCellTimeout);
        return silo;
    }

    /// <summary>Raises a cluster client's response timeout to <paramref name="cellTimeout"/> so that long cells are not cut off.</summary>
    public static IClientBuilder AddInferenceGrid(this IClientBuilder client, TimeSpan? cellTimeout = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        client.Configure<ClientMessagingOptions>(o => o.ResponseTimeout = cellTimeout ?? DefaultCellTimeout);
        return client;
    }
}
