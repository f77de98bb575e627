using YamlDotNet.RepresentationModel;

namespace ChatMesh.AppHost.Tests.Deployment;

/// <summary>The kustomize base under deploy/kubernetes/base, parsed: the files its kustomization.yaml lists.</summary>
internal sealed class KubernetesManifests
{
    private KubernetesManifests(string baseDirectory, IReadOnlyList<YamlMappingNode> objects)
    {
        BaseDirectory = baseDirectory;
        Objects = objects;
    }

    public string BaseDirectory { get; }

    public IReadOnlyList<YamlMappingNode> Objects { get; }

    public static KubernetesManifests LoadBase()
    {
        var baseDirectory = Path.Combine(RepositoryRoot(), "deploy", "kubernetes", "base");
        var kustomization = Load(Path.Combine(baseDirectory, "kustomization.yaml")).Single();
        var objects = Sequence(kustomization, "resources")
            .Select(node => ((YamlScalarNode)node).Value!)
            .SelectMany(file => Load(Path.Combine(baseDirectory, file)))
            .ToList();
        return new(baseDirectory, objects);
    }

    public YamlMappingNode? Find(string kind, string name) =>
        Objects.SingleOrDefault(o => Scalar(o, "kind") == kind && Scalar(Mapping(o, "metadata"), "name") == name);

    public IEnumerable<YamlMappingNode> OfKind(string kind) => Objects.Where(o => Scalar(o, "kind") == kind);

    /// <summary>The container of a Deployment named like its service (the only one: one process per pod).</summary>
    public static YamlMappingNode Container(YamlMappingNode deployment) =>
        (YamlMappingNode)Sequence(Mapping(Mapping(Mapping(deployment, "spec"), "template"), "spec"), "containers").Single();

    public static string? Scalar(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlScalarNode scalar
            ? scalar.Value
            : null;

    public static YamlMappingNode? Mapping(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) ? value as YamlMappingNode : null;

    public static IEnumerable<YamlNode> Sequence(YamlMappingNode? node, string key) =>
        node is not null && node.Children.TryGetValue(new YamlScalarNode(key), out var value) && value is YamlSequenceNode sequence
            ? sequence.Children
            : [];

    private static List<YamlMappingNode> Load(string file)
    {
        using var reader = new StreamReader(file);
        var stream = new YamlStream();
        stream.Load(reader);
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()];
    }

    private static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "ChatMesh.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException($"No ChatMesh.sln above {AppContext.BaseDirectory}.");
    }
}
