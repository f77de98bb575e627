using System.Net.Http.Headers;
using System.Text;
using ChatMesh.EndToEnd.Tests.Api;
using ChatMesh.EndToEnd.Tests.Webhooks;

namespace ChatMesh.EndToEnd.Tests.Hostile;

/// <summary>
/// docs/security.md row 83b: a body far over a service's cap, sent through the edge, gets that service's documented
/// 413 <c>payload_too_large</c> problem — not the empty 502 YARP answered when the service refused the body and closed
/// the connection while the edge was still sending it.
/// </summary>
[Collection(HostileCollection.Name)]
public sealed class EdgeBodyLimitTests(ChatMeshAppFixture fixture)
{
    // The largest cap of the four (gateway API, legacy, the webhooks API: 64 KiB; inbound hooks: IntegrationOverrides' 8 KiB).
    private const int ServiceCapBytes = 64 * 1024;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Theory]
    [InlineData("/api/webhooks/endpoints")]
    [InlineData("/api/rooms/{room}/messages")]
    [InlineData("/poll/rooms/{room}/messages")]
    [InlineData("/hooks/no-such-hook")]
    public async Task A_body_far_over_the_services_cap_through_the_edge_is_the_services_413_problem(string path)
    {
        using var owner = await WebhookOwner.CreateAsync(fixture, "bigbody");
        var target = path.Replace("{room}", owner.Room, StringComparison.Ordinal);
        // The fuzzer's oversized bodies (1–3 × the cap) found it; 16 × is far past any socket buffer. Each size a few
        // times: whether the body fitted in the buffers before the service closed was a race.
        foreach (var times in new[] { 2, 3, 16 })
        {
            for (var i = 0; i < 3; i++)
            {
                var body = Encoding.UTF8.GetBytes($"{{\"url\":\"http://127.0.0.2:9/x\",\"text\":\"{new string('x', ServiceCapBytes * times)}\"}}");
                using var content = new ByteArrayContent(body);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                using var response = await owner.Api.Client.PostAsync(new Uri(target, UriKind.Relative), content, Cancel);
                await Json.ProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "payload_too_large");
            }
        }

        // The edge and the service keep serving the same user afterwards.
        Assert.True(await owner.Api.PostMessageAsync(owner.Room, "still here") > 0);
    }
}
