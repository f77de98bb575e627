namespace ChatMesh.Integration;

/// <summary>The public paths of the integration service (the edge routes <c>/api/webhooks/**</c> and <c>/hooks/**</c> here).</summary>
internal static class IntegrationPaths
{
    public const string Api = "/api/webhooks";
    public const string Endpoints = Api + "/endpoints";
    public const string Incoming = Api + "/incoming";
    public const string Hooks = "/hooks";
    public const string OpenApiPattern = Api + "/openapi/{documentName}.json";
}
