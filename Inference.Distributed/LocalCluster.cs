using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Orleans.Hosting;

namespace Inference.Distributed;

/// <summary>
/// A cluster of several silos in this process on loopback (Orleans' localhost clustering: the first silo holds the
/// membership), with a client: for trying grids on one machine, and for the throughput report. A real cluster uses a
/// membership provider instead (see the README).
/// </summary>
public sealed class LocalCluster : IAsyncDisposable
{
    private readonly List<IHost> _silos;
    private readonly IHost _client;

    private LocalCluster(List<IHost> silos, IHost client)
    {
        _silos = silos;
        _client = client;
        Client = client.Services.GetRequiredService<IClusterClient>();
    }

    /// <summary>The client that reaches the cluster (give it to <see cref="GridRunner.Cluster"/>).</summary>
    public IClusterClient Client { get; }

    /// <summary>Silos running now.</summary>
    public int Silos => _silos.Count;

    /// <summary>
    /// Starts <paramref name="silos"/> silos (silo ports from <paramref name="siloPort"/>, gateway ports from
    /// <paramref name="gatewayPort"/>, one each) registering <paramref name="models"/>, and a client connected to all.
    /// </summary>
    public static async Task<LocalCluster> StartAsync(int silos = 2, Action<ModelRegistry>? models = null, int siloPort = 11111, int gatewayPort = 30000, CancellationToken cancellationToken = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(silos);
        ArgumentOutOfRangeException.ThrowIfLessThan(siloPort, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(gatewayPort, 1);
        const string ServiceId = "inference-grid", ClusterId = "local";
        var primary = new IPEndPoint(IPAddress.Loopback, siloPort);
        var hosts = new List<IHost>();
        try
        {
            for (int i = 0; i < silos; i++)
            {
                int index = i;
                var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
                builder.UseOrleans(silo => silo
                    .UseLocalhostClustering(siloPort + index, gatewayPort + index, primary, ServiceId, ClusterId)
                    .AddInferenceGrid(models));
                var host = builder.Build();
                await host.StartAsync(cancellationToken).ConfigureAwait(false);
                hosts.Add(host);
            }

            var clientBuilder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            var gateways = Enumerable.Range(gatewayPort, silos).ToArray();
            clientBuilder.UseOrleansClient(client => client.UseLocalhostClustering(gateways, ServiceId, ClusterId).AddInferenceGrid());
            var clientHost = clientBuilder.Build();
            await clientHost.StartAsync(cancellationToken).ConfigureAwait(false);
            return new LocalCluster(hosts, clientHost);
        }
        catch
        {
            foreach (var h in hosts)
            {
                h.Dispose();
            }

            throw;
        }
    }

    /// <summary>Stops the client, then every silo (the primary last).</summary>
    public async ValueTask DisposeAsync()
    {
        await _client.StopAsync().ConfigureAwait(false);
        _client.Dispose();
        for (int i = _silos.Count - 1; i >= 0; i--)
        {
            await _silos[i].StopAsync().ConfigureAwait(false);
            _silos[i].Dispose();
        }

        _silos.Clear();
    }
}
