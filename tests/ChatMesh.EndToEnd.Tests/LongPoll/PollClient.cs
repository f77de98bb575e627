using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;

namespace ChatMesh.EndToEnd.Tests.LongPoll;

/// <summary>A long-polling client of one user on one resource (<c>legacy</c> directly, or <c>web</c>: the edge).</summary>
internal sealed class PollClient(HttpClient client) : IDisposable
{
    public HttpClient Client { get; } = client;

    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    public static PollClient For(ChatMeshAppFixture fixture, ApiUser user, string resource = "legacy")
    {
        var client = ApiUser.CreateCookielessClient(fixture, resource);
        client.DefaultRequestHeaders.Authorization = user.Client.DefaultRequestHeaders.Authorization;
        return new PollClient(client);
    }

    public static string Token(ApiUser user) => user.Client.DefaultRequestHeaders.Authorization!.Parameter!;

    /// <summary>The legacy instance that answered (its <c>ChatMesh-Instance</c> header).</summary>
    public static string Instance(HttpResponseMessage response) =>
        response.Headers.TryGetValues("ChatMesh-Instance", out var values) ? values.Single() : throw new InvalidOperationException("No ChatMesh-Instance header.");

    public Task<HttpResponseMessage> RegisterRawAsync(object? body = null) =>
        Client.PostAsJsonAsync(new Uri("/poll/queues", UriKind.Relative), body ?? new { }, Cancel);

    /// <summary>Registers a queue; returns its id and starting cursor.</summary>
    public async Task<(string QueueId, long LastEventId, JsonElement Body)> RegisterAsync(object? body = null)
    {
        using var response = await RegisterRawAsync(body);
        var json = await Json.ReadAsync(response, HttpStatusCode.OK);
        return (json.GetProperty("queueId").GetString()!, json.GetProperty("lastEventId").GetInt64(), json);
    }

    public Task<HttpResponseMessage> PollRawAsync(string queueId, string query) =>
        Client.GetAsync(new Uri($"/poll/queues/{queueId}/events?{query}", UriKind.Relative), Cancel);

    /// <summary>Polls expecting 200; returns the body.</summary>
    public async Task<PollAnswer> PollAsync(string queueId, long? lastEventId, string extra = "dont_block=true")
    {
        var query = lastEventId is null ? extra : $"lastEventId={lastEventId}&{extra}";
        using var response = await PollRawAsync(queueId, query);
        return new PollAnswer(await Json.ReadAsync(response, HttpStatusCode.OK));
    }

    /// <summary>Polls (held, short timeout) until events arrive that satisfy the condition, or fails at the deadline.</summary>
    public async Task<PollAnswer> PollUntilAsync(string queueId, long lastEventId, Func<IReadOnlyList<JsonElement>, bool> done, TimeSpan? deadline = null)
    {
        var until = DateTime.UtcNow + (deadline ?? TimeSpan.FromSeconds(30));
        List<JsonElement> events = [];
        while (true)
        {
            var answer = await PollAsync(queueId, lastEventId, "timeout=2");
            events.AddRange(answer.Events);
            lastEventId = answer.LastEventId;
            if (done(events))
            {
                return answer with { AllEvents = events };
            }

            Assert.True(DateTime.UtcNow < until, $"Events never satisfied the condition; got {string.Join('\n', events)}");
        }
    }

    public Task<HttpResponseMessage> DeleteAsync(string queueId) =>
        Client.DeleteAsync(new Uri($"/poll/queues/{queueId}", UriKind.Relative), Cancel);

    public async Task<HttpResponseMessage> PostJsonAsync(string path, object body, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative)) { Content = JsonContent.Create(body) };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return await Client.SendAsync(request, Cancel);
    }

    public Task<HttpResponseMessage> PostFormAsync(string path, params (string Name, string Value)[] fields) =>
        Client.PostAsync(new Uri(path, UriKind.Relative),
            new FormUrlEncodedContent(fields.Select(field => new KeyValuePair<string, string>(field.Name, field.Value))), Cancel);

    public void Dispose() => Client.Dispose();
}

/// <summary>A poll's answer: the events (raw wire objects), the cursor to send next, and whether it was a heartbeat.</summary>
internal sealed record PollAnswer(JsonElement Body)
{
    public IReadOnlyList<JsonElement> Events => [.. Body.GetProperty("events").EnumerateArray()];

    public IReadOnlyList<JsonElement>? AllEvents { get; init; }

    public long LastEventId => Body.GetProperty("lastEventId").GetInt64();

    public bool Heartbeat => Body.GetProperty("heartbeat").GetBoolean();

    public IReadOnlyList<long> Ids => [.. Events.Select(e => e.GetProperty("id").GetInt64())];

    public static bool IsMessage(JsonElement e, string text) =>
        e.GetProperty("type").GetString() == "message.created" && e.GetProperty("data").GetProperty("text").GetString() == text;
}
