#!/usr/bin/env bash
# Packs every library project (dotnet pack of the solution), then builds a fresh console app outside the repository
# against that local folder feed (third-party dependencies come from the usual package source) and runs NUTS in it on a
# conjugate normal model whose posterior mean is known. Its own package cache, so nothing stale is reused.
# Usage: bash tools/pack-smoke.sh [REPOSITORY_DIR]     (prints "pack smoke: OK ..." and exits 0 on success)
set -euo pipefail
repo="$(cd "${1:-$(dirname "$0")/..}" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
feed="$work/feed"
app="$work/app"
mkdir -p "$feed" "$app"
version="0.1.0-smoke"
dotnet pack "$repo/Inference.sln" -c Release -o "$feed" -p:Version="$version" -nologo -v quiet
ls "$feed"/*.nupkg | sed 's|.*/|  packed |'

cat > "$app/nuget.config" <<XML
<?xml version="1.0" encoding="utf-8"?>
<configuration>
  <packageSources>
    <clear />
    <add key="local" value="$feed" />
    <add key="nuget.org" value="https://api.nuget.org/v3/index.json" />
  </packageSources>
  <packageSourceMapping>
    <packageSource key="local"><package pattern="Inference.*" /></packageSource>
    <packageSource key="nuget.org"><package pattern="*" /></packageSource>
  </packageSourceMapping>
</configuration>
XML
cat > "$app/SmokeApp.csproj" <<XML
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup>
    <OutputType>Exe</OutputType>
    <TargetFramework>net10.0</TargetFramework>
    <Nullable>enable</Nullable>
    <ImplicitUsings>enable</ImplicitUsings>
  </PropertyGroup>
  <ItemGroup>
    <PackageReference Include="Inference.Samplers" Version="$version" />
  </ItemGroup>
</Project>
XML
cat > "$app/Program.cs" <<'CS'
using Inference.Distributions;
using Inference.Modeling;
using Inference.Samplers.Running;

// y ~ Normal(mu, 1), mu ~ Normal(0, 1): the posterior is Normal(Σy/(n + 1), 1/√(n + 1)) = Normal(0.45, 0.5)
double[] y = [0.5, 1.2, 0.1];
var prior = new Normal(0, 1);
var model = Model.Create("smoke", m =>
{
    var mu = m.Parameter("mu", prior);
    m.Observe(Normal.LogProb(m.Data("y", y), mu, 1.0));
}).Compile();
var draws = ChainRunner.Nuts(model, new RunSettings { Chains = 2, Warmup = 300, Draws = 500, Seed = 1 });
var row = draws.Summary()["mu"];
Console.WriteLine($"NUTS from the packages: mu mean {row.Mean:F3} (exact 0.450), sd {row.Sd:F3} (exact 0.500), MCSE {row.Mcse:F3}");
return Math.Abs(row.Mean - 0.45) < 4 * row.Mcse + 1e-3 && Math.Abs(row.Sd - 0.5) < 0.1 ? 0 : 1;
CS
export NUGET_PACKAGES="$work/packages"
dotnet run --project "$app/SmokeApp.csproj" -c Release -nologo -v quiet
echo "pack smoke: OK (packages $version installed from a local folder into a fresh project, which ran NUTS)"
