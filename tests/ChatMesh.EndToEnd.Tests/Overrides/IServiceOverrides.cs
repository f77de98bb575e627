namespace ChatMesh.EndToEnd.Tests.Overrides;

/// <summary>
/// Environment a test suite needs on one service of the shared AppHost (lower limits, test allow-lists).
/// The fixture applies every implementation in this assembly, so each suite keeps its settings in its own file.
/// </summary>
public interface IServiceOverrides
{
    string Resource { get; }

    IReadOnlyDictionary<string, string> Environment { get; }
}
