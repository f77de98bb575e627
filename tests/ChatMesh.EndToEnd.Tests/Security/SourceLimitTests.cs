using System.Net.Http.Json;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Support;

namespace ChatMesh.EndToEnd.Tests.Security;

/// <summary>The per-source-address sign-in budget, as a client behind the edge and a spoofing client see it.</summary>
public sealed class SourceLimitTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static Task<HttpResponseMessage> SignInAsync(HttpClient http, string forwardedFor)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/auth/sign-in")
        {
            Content = JsonContent.Create(new { userName = ChatUser.UniqueName("src") }),
        };
        request.Headers.Add("X-Forwarded-For", forwardedFor);
        return http.SendAsync(request, Cancel);
    }

    [Fact]
    public async Task Sign_ins_from_one_client_address_past_the_budget_are_429_rate_limited_with_Retry_After()
    {
        // The test talks to the gateway from loopback, the trusted proxy, so the header names the client, as the edge's would.
        // The budget is per instance and the gateway has 2 replicas: 2 × budget + 1 sign-ins must meet a refusal.
        using var gateway = fixture.CreateClient("gateway");
        for (var attempt = 0; ; attempt++)
        {
            var address = $"203.0.113.{Random.Shared.Next(1, 255)}";
            var statuses = new List<HttpStatusCode>();
            HttpResponseMessage? refused = null;
            for (var i = 0; i < (2 * SecurityOverrides.SignInsPerMinute) + 1; i++)
            {
                var response = await SignInAsync(gateway, address);
                statuses.Add(response.StatusCode);
                if (response.StatusCode == HttpStatusCode.TooManyRequests)
                {
                    refused ??= response;
                }
                else
                {
                    response.Dispose();
                }
            }

            // A minute boundary inside the burst resets the windows; try once more with a fresh address.
            if (refused is null && attempt == 0)
            {
                continue;
            }

            Assert.All(statuses.Take(SecurityOverrides.SignInsPerMinute), status => Assert.Equal(HttpStatusCode.OK, status));
            Assert.NotNull(refused);
            Assert.NotNull(refused.Headers.RetryAfter?.Delta);
            using var body = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Cancel));
            Assert.Equal("rate_limited", body.RootElement.GetProperty("error").GetString());
            refused.Dispose();
            return;
        }
    }

    [Fact]
    public async Task A_client_cannot_name_its_own_address_through_the_edge()
    {
        // The edge sets X-Forwarded-For to the peer it saw (loopback here, exempt), replacing what the client wrote.
        using var edge = fixture.CreateClient("web");
        for (var i = 0; i < SecurityOverrides.SignInsPerMinute + 2; i++)
        {
            using var response = await SignInAsync(edge, "198.51.100.77");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }
}
