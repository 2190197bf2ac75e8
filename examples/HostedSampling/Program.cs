// A hosted app that samples a model with samplers configured in appsettings.json (section "Inference"). Options are
// validated when the host starts: try `dotnet run --project examples/HostedSampling -- --Inference:Samplers:quick:Chains=0`.
// The library's warnings (here: divergences of the centered eight schools) come out through ILogger.
using Inference.Extensions.DependencyInjection;
using Inference.Models;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
builder.Services.AddInference(builder.Configuration.GetSection("Inference"));
using var host = builder.Build();
try
{
    await host.StartAsync();
}
catch (Microsoft.Extensions.Options.OptionsValidationException ex)
{
    Console.Error.WriteLine($"Invalid options: {ex.Message}");
    return 2;
}

var model = EightSchools.Centered().Compile();
foreach (var name in new[] { "quick", "careful" })
{
    var sampler = host.Services.GetRequiredKeyedService<IInferenceSampler>(name);
    var draws = sampler.Sample(model);
    var tau = draws.Summary()["tau"];
    Console.WriteLine($"{name} (target acceptance {sampler.Options.TargetAcceptance?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default"}): {draws.TotalDraws} draws, {draws.Divergences} divergent, tau mean {tau.Mean:F2}");
}

await host.StopAsync();
return 0;
