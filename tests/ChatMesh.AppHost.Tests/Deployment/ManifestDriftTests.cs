using System.Text.RegularExpressions;
using YamlDotNet.RepresentationModel;
using static ChatMesh.AppHost.Tests.Deployment.KubernetesManifests;

namespace ChatMesh.AppHost.Tests.Deployment;

/// <summary>
/// The Kubernetes base (deploy/kubernetes/base) against the AppHost's model: a service, environment variable or
/// endpoint added to the AppHost without the manifests fails here. Nothing is started.
/// </summary>
public sealed partial class ManifestDriftTests
{
    /// <summary>
    /// Names the AppHost sets that a Kubernetes deployment deliberately does not copy, each with its reason.
    /// Anything else the AppHost wires into a service must appear in that service's Deployment.
    /// </summary>
    private static readonly Dictionary<string, string> NotCopied = new(StringComparer.Ordinal)
    {
        ["OTEL_"] = "the AppHost's dashboard exporter and its dev-loop tuning; in a cluster the exporter is set in the ConfigMap (docs/deployment.md)",
        ["ASPNETCORE_URLS"] = "the listening port is ASPNETCORE_HTTP_PORTS, checked against the endpoints",
        ["HTTP_PORTS"] = "the listening port is ASPNETCORE_HTTP_PORTS, checked against the endpoints",
        ["DOTNET_LAUNCH_PROFILE"] = "selects a launchSettings.json profile, which a published container does not have",
        ["CHATMESH_RUN_ID"] = "./chatmesh run's process marker on one machine",
    };

    private const string ConfigMapName = "chatmesh-config";

    [Fact]
    public async Task Every_project_resource_has_a_deployment_service_and_disruption_budget_and_nothing_else_does()
    {
        var (services, _) = await AppHostModel.LoadAsync(TestContext.Current.CancellationToken);
        var manifests = LoadBase();
        Assert.NotEmpty(services);

        var missing = services
            .SelectMany(s => new[] { "Deployment", "Service", "PodDisruptionBudget" }.Select(kind => (s.Name, kind)))
            .Where(x => manifests.Find(x.kind, x.Name) is null)
            .Select(x => $"{x.kind}/{x.Name}")
            .ToList();
        Assert.True(missing.Count == 0, $"The AppHost has services the manifests lack: {string.Join(", ", missing)}");

        var names = services.Select(s => s.Name).ToHashSet();
        var strays = manifests.OfKind("Deployment").Select(d => Scalar(Mapping(d, "metadata"), "name")!).Where(n => !names.Contains(n));
        Assert.Empty(strays);

        foreach (var service in services)
        {
            var deployment = manifests.Find("Deployment", service.Name)!;
            var selector = Mapping(Mapping(Mapping(deployment, "spec"), "selector"), "matchLabels");
            Assert.Equal(Selector(manifests.Find("Service", service.Name)), Labels(selector));
            Assert.Equal(Selector(manifests.Find("PodDisruptionBudget", service.Name)), Labels(selector));
        }
    }

    [Fact]
    public async Task Every_delivery_service_scales_horizontally_and_the_edge_has_the_ingress()
    {
        var (services, _) = await AppHostModel.LoadAsync(TestContext.Current.CancellationToken);
        var manifests = LoadBase();

        var edge = Assert.Single(services, s => s.IsEdge);
        foreach (var delivery in services.Where(s => !s.IsEdge))
        {
            var hpa = manifests.Find("HorizontalPodAutoscaler", delivery.Name);
            Assert.True(hpa is not null, $"HorizontalPodAutoscaler/{delivery.Name} is missing");
            Assert.Equal(delivery.Name, Scalar(Mapping(Mapping(hpa, "spec"), "scaleTargetRef"), "name"));
        }

        var ingress = Assert.Single(manifests.OfKind("Ingress"));
        var backends = Sequence(Mapping(ingress, "spec"), "rules")
            .SelectMany(rule => Sequence(Mapping((YamlMappingNode)rule, "http"), "paths"))
            .Select(path => Mapping(Mapping((YamlMappingNode)path, "backend"), "service"))
            .ToList();
        Assert.NotEmpty(backends);
        var externalEndpoints = edge.Endpoints.Where(e => e.IsExternal).Select(e => e.Name).ToHashSet();
        Assert.All(backends, backend =>
        {
            Assert.Equal(edge.Name, Scalar(backend, "name"));
            Assert.Contains(Scalar(Mapping(backend, "port"), "name")!, externalEndpoints);
        });
    }

    [Fact]
    public async Task Every_environment_variable_the_apphost_wires_into_a_service_is_in_its_deployment()
    {
        var (services, secretParameters) = await AppHostModel.LoadAsync(TestContext.Current.CancellationToken);
        var manifests = LoadBase();
        var failures = new List<string>();

        foreach (var service in services)
        {
            var container = Container(manifests.Find("Deployment", service.Name)
                ?? throw new Xunit.Sdk.XunitException($"Deployment/{service.Name} is missing"));
            var env = Environment(container);
            var fromConfigMaps = ConfigMapKeysFromEnvFrom(manifests, container);

            foreach (var (name, modelValue) in service.Environment)
            {
                if (NotCopied.Keys.Any(prefix => name.StartsWith(prefix, StringComparison.Ordinal)))
                {
                    continue;
                }

                if (!env.TryGetValue(name, out var entry))
                {
                    if (fromConfigMaps.Contains(name) && !IsReference(modelValue))
                    {
                        continue;
                    }

                    failures.Add($"{service.Name}: {name} (AppHost: '{modelValue}') is not in Deployment/{service.Name}");
                    continue;
                }

                failures.AddRange(CheckValue(manifests, services, secretParameters, service.Name, name, modelValue, entry));
            }
        }

        Assert.True(failures.Count == 0, string.Join('\n', failures));
    }

    [Fact]
    public void Dev_sign_in_is_off_in_every_deployment()
    {
        var manifests = LoadBase();
        var deployments = manifests.OfKind("Deployment").ToList();
        Assert.NotEmpty(deployments);
        foreach (var deployment in deployments)
        {
            var env = Environment(Container(deployment));
            Assert.True(env.TryGetValue("Auth__DevSignIn__Enabled", out var entry), "Auth__DevSignIn__Enabled must be set explicitly");
            Assert.Equal("false", Resolve(manifests, entry));
        }
    }

    [Fact]
    public async Task Every_endpoint_port_matches_the_container_the_service_and_the_edges_discovery_urls()
    {
        var (services, _) = await AppHostModel.LoadAsync(TestContext.Current.CancellationToken);
        var manifests = LoadBase();

        foreach (var service in services)
        {
            Assert.NotEmpty(service.Endpoints);
            var container = Container(manifests.Find("Deployment", service.Name)!);
            var listening = Resolve(manifests, Environment(container)["ASPNETCORE_HTTP_PORTS"]);
            var containerPorts = Sequence(container, "ports").Cast<YamlMappingNode>()
                .ToDictionary(p => Scalar(p, "name")!, p => Scalar(p, "containerPort")!);
            var servicePorts = Sequence(Mapping(manifests.Find("Service", service.Name)!, "spec"), "ports").Cast<YamlMappingNode>()
                .ToDictionary(p => Scalar(p, "name")!);

            foreach (var endpoint in service.Endpoints)
            {
                // TLS ends at the Ingress; inside the cluster every endpoint is plain HTTP on the container's port.
                Assert.Equal("http", endpoint.UriScheme);
                Assert.True(containerPorts.TryGetValue(endpoint.Name, out var containerPort),
                    $"{service.Name}: no container port named '{endpoint.Name}'");
                Assert.Equal(listening, containerPort);
                Assert.True(servicePorts.TryGetValue(endpoint.Name, out var servicePort),
                    $"{service.Name}: Service has no port named '{endpoint.Name}'");
                Assert.Contains(Scalar(servicePort, "targetPort"), new[] { endpoint.Name, containerPort });
            }

            // Health probes: readiness /health, liveness /alive (ServiceDefaults), on a declared port.
            Assert.Equal("/health", Scalar(Mapping(Mapping(container, "readinessProbe"), "httpGet"), "path"));
            Assert.Equal("/alive", Scalar(Mapping(Mapping(container, "livenessProbe"), "httpGet"), "path"));
            Assert.Contains(Scalar(Mapping(Mapping(container, "readinessProbe"), "httpGet"), "port")!, containerPorts.Keys);
        }
    }

    /// <summary>A reference in the model must be a reference in the manifest: a Secret for secrets, a URL to the Service for endpoints.</summary>
    private static IEnumerable<string> CheckValue(
        KubernetesManifests manifests,
        IReadOnlyList<ModelService> services,
        IReadOnlySet<string> secretParameters,
        string service,
        string name,
        string modelValue,
        YamlMappingNode entry)
    {
        var valueFrom = Mapping(entry, "valueFrom");
        foreach (Match reference in Reference().Matches(modelValue))
        {
            var (resource, property) = (reference.Groups["resource"].Value, reference.Groups["property"].Value);
            if (property == "connectionString" || (property == "value" && secretParameters.Contains(resource)))
            {
                if (Scalar(Mapping(valueFrom, "secretKeyRef"), "key") is null)
                {
                    yield return $"{service}: {name} is '{modelValue}' in the AppHost (a secret): it must come from a secretKeyRef";
                }
            }
            else if (property.StartsWith("bindings.", StringComparison.Ordinal) && property.EndsWith(".url", StringComparison.Ordinal))
            {
                var endpoint = property["bindings.".Length..^".url".Length];
                var expected = ServiceUrl(manifests, services, resource, endpoint);
                if (Scalar(entry, "value") != expected)
                {
                    yield return $"{service}: {name} must be '{expected}' (the in-cluster Service for {modelValue}), was '{Scalar(entry, "value")}'";
                }
            }
            else if (property != "value" && valueFrom is null)
            {
                yield return $"{service}: {name} is '{modelValue}' in the AppHost, a reference this test does not know how to check";
            }
        }
    }

    private static string ServiceUrl(KubernetesManifests manifests, IReadOnlyList<ModelService> services, string resource, string endpointName)
    {
        var endpoint = services.Single(s => s.Name == resource).Endpoints.Single(e => e.Name == endpointName);
        var port = Sequence(Mapping(manifests.Find("Service", resource), "spec"), "ports").Cast<YamlMappingNode>()
            .SingleOrDefault(p => Scalar(p, "name") == endpointName);
        return $"{endpoint.UriScheme}://{resource}:{Scalar(port, "port")}";
    }

    private static bool IsReference(string modelValue) => Reference().IsMatch(modelValue);

    private static Dictionary<string, YamlMappingNode> Environment(YamlMappingNode container) =>
        Sequence(container, "env").Cast<YamlMappingNode>().ToDictionary(e => Scalar(e, "name")!, StringComparer.Ordinal);

    private static HashSet<string> ConfigMapKeysFromEnvFrom(KubernetesManifests manifests, YamlMappingNode container) =>
        Sequence(container, "envFrom").Cast<YamlMappingNode>()
            .Select(source => Scalar(Mapping(source, "configMapRef"), "name"))
            .Where(map => map is not null)
            .SelectMany(map => ConfigMapData(manifests, map!).Keys)
            .ToHashSet(StringComparer.Ordinal);

    private static Dictionary<string, string?> ConfigMapData(KubernetesManifests manifests, string name) =>
        (Mapping(manifests.Find("ConfigMap", name), "data")?.Children.AsEnumerable() ?? [])
            .ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => (kv.Value as YamlScalarNode)?.Value, StringComparer.Ordinal);

    /// <summary>An env entry's value: literal, or the ConfigMap key it names.</summary>
    private static string? Resolve(KubernetesManifests manifests, YamlMappingNode entry)
    {
        if (Scalar(entry, "value") is { } value)
        {
            return value;
        }

        var reference = Mapping(Mapping(entry, "valueFrom"), "configMapKeyRef");
        return reference is null
            ? null
            : ConfigMapData(manifests, Scalar(reference, "name") ?? ConfigMapName).GetValueOrDefault(Scalar(reference, "key")!);
    }

    private static Dictionary<string, string?>? Labels(YamlMappingNode? node) =>
        node?.Children.ToDictionary(kv => ((YamlScalarNode)kv.Key).Value!, kv => ((YamlScalarNode)kv.Value).Value);

    private static Dictionary<string, string?>? Selector(YamlMappingNode? manifest)
    {
        var selector = Mapping(Mapping(manifest, "spec"), "selector");
        return Labels(Mapping(selector, "matchLabels") ?? selector);
    }

    [GeneratedRegex(@"\{(?<resource>[A-Za-z0-9-]+)\.(?<property>[A-Za-z0-9.]+)\}")]
    private static partial Regex Reference();
}
