namespace ChatMesh.EndToEnd.Tests.Hostile;

/// <summary>
/// The hostile-input suites run one after another on the assembly's shared AppHost (<see cref="ChatMeshAppFixture"/>),
/// so the fuzzers' hundreds of requests never compete with each other for the 2 cores.
/// </summary>
[CollectionDefinition(Name)]
public sealed class HostileCollection
{
    public const string Name = "hostile inputs";
}
