using ChatMesh.EndToEnd.Tests.Api;

namespace ChatMesh.EndToEnd.Tests.Sse;

/// <summary>HTTP clients for long-lived streams: no cookie jar shared with other users' sign-ins, no overall timeout.</summary>
internal static class StreamClients
{
    public static HttpClient Create(ChatMeshAppFixture fixture, string resource = "notification")
    {
        var client = ApiUser.CreateCookielessClient(fixture, resource);
        client.Timeout = Timeout.InfiniteTimeSpan;
        return client;
    }
}
