using Inference.Distributed;
using Inference.Distributions;
using Inference.Modeling;
using Orleans.Hosting;
using Orleans.TestingHost;

namespace Inference.Tests.Distributed;

/// <summary>One in-process Orleans cluster of 3 silos on loopback, shared by every test of the "Orleans cluster" collection.</summary>
public sealed class ClusterFixture : IAsyncLifetime
{
    public TestCluster Cluster { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = new TestClusterBuilder(3);
        builder.AddSiloBuilderConfigurator<SiloConfigurator>();
        builder.AddClientBuilderConfigurator<ClientConfigurator>();
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    public async Task DisposeAsync()
    {
        await Cluster.StopAllSilosAsync();
        await Cluster.DisposeAsync();
    }

    /// <summary>Tops the cluster back up to 3 silos (after a test stopped one).</summary>
    public async Task EnsureThreeSilosAsync()
    {
        while (Cluster.GetActiveSilos().Count() < 3)
        {
            await Cluster.StartAdditionalSiloAsync();
        }

        await Cluster.WaitForLivenessToStabilizeAsync();
    }

    private sealed class SiloConfigurator : ISiloConfigurator
    {
        public void Configure(ISiloBuilder siloBuilder) => siloBuilder.AddInferenceGrid(TestModels.Register);
    }

    private sealed class ClientConfigurator : IClientBuilderConfigurator
    {
        public void Configure(Microsoft.Extensions.Configuration.IConfiguration configuration, IClientBuilder clientBuilder) => clientBuilder.AddInferenceGrid();
    }
}

[CollectionDefinition(Name)]
public sealed class OrleansClusterTests : ICollectionFixture<ClusterFixture>
{
    public const string Name = "Orleans cluster";
}

/// <summary>The models the tests register on every silo and in the local runner, beside the catalog's.</summary>
internal static class TestModels
{
    private static readonly Normal Standard = new(0, 1);
    private static readonly Normal TooNarrow = new(0, 0.5);

    /// <summary>x ~ N(0, 1), y ~ N(x, 1); and the same with a prior too narrow for the simulations (SBC must see it).</summary>
    public static void Register(ModelRegistry registry) => registry
        .Add("normal_normal", data => NormalNormal(data.Scalar("y"), Standard))
        .Add("normal_normal_narrow", data => NormalNormal(data.Scalar("y"), TooNarrow))
        .Add("normal_normal_held", data =>
        {
            // the silo-kill test holds its cells here (inside a running cell, on whichever silo) until the kill is over
            if (!Held.Wait(TimeSpan.FromMinutes(2)))
            {
                throw new TimeoutException("normal_normal_held: the test never released its cells.");
            }

            return NormalNormal(data.Scalar("y"), Standard);
        });

    /// <summary>Open except while the silo-kill test holds its cells (the silos run in this process).</summary>
    public static ManualResetEventSlim Held { get; } = new(initialState: true);

    private static Model NormalNormal(double observed, Normal prior)
    {
        var y = Tensor.FromScalar(observed);
        return Model.Create("normal_normal", m =>
        {
            var x = m.Parameter("x", prior);
            m.Observe(Normal.LogProb(m.Tape.Constant(y), x, 1.0));
        });
    }

    public static ModelRegistry Local()
    {
        var registry = new ModelRegistry();
        Register(registry);
        return registry;
    }
}
