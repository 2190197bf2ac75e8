using System.Reflection;

namespace Inference.Tests.Architecture;

/// <summary>Dependencies point one way: Flows → Core and Samplers → Core; Samplers never references Flows.</summary>
public class DependencyRulesTests
{
    private static string[] References(Type typeInAssembly) =>
        typeInAssembly.Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToArray();

    [Fact]
    public void Samplers_DoNotReferenceFlows()
    {
        var refs = References(typeof(Inference.Samplers.Kernels.Nuts));
        Assert.Contains("Inference.Core", refs);
        Assert.DoesNotContain("Inference.Flows", refs);
    }

    [Fact]
    public void Flows_ReferenceCoreButNotSamplers()
    {
        var refs = References(typeof(Inference.Flows.FlowDistribution));
        Assert.Contains("Inference.Core", refs);
        Assert.DoesNotContain("Inference.Samplers", refs);
    }

    [Fact]
    public void Core_ReferencesNoOtherProjectAndNoDependencyInjection()
    {
        var refs = References(typeof(Tape));
        Assert.DoesNotContain(refs, r => r.StartsWith("Inference.", StringComparison.Ordinal));
        Assert.DoesNotContain(refs, r => r.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal));
    }

    [Fact]
    public void ReferenceModels_LiveOutsideTheCoreLibrary()
    {
        Assert.DoesNotContain(typeof(Tape).Assembly.GetExportedTypes(), t => t.Namespace == "Inference.Models");
        Assert.Equal("Inference.Models", typeof(Inference.Models.EightSchools).Assembly.GetName().Name);
    }

    [Fact]
    public void FlowsImplementCoresBijectorInterface()
    {
        Assert.True(typeof(Inference.Transforms.IBijector).IsAssignableFrom(typeof(Inference.Flows.Bijectors.FlowBijector)));
        Assert.Equal(typeof(Tape).Assembly, typeof(Inference.Transforms.IBijector).Assembly);
    }
}
