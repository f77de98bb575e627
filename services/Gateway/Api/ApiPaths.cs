namespace ChatMesh.Gateway.Api;

/// <summary>The API's paths, for Location headers; ids are escaped because room ids may hold ':' (direct rooms).</summary>
internal static class ApiPaths
{
    public const string Prefix = "/api";

    public static string Room(string room) => $"{Prefix}/rooms/{Uri.EscapeDataString(room)}";

    public static string Message(string room, long id) => $"{Room(room)}/messages/{id}";
}
