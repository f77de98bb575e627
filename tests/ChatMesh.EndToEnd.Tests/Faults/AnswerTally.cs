using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace ChatMesh.Testing.Faults;

/// <summary>
/// Every answer the clients of one fault case got, by kind: each HTTP status (with the problem's <c>error</c> code for
/// an error), each WebSocket <c>error</c> frame code and each SSE / NDJSON <c>error</c> event code. A fault may make
/// the services answer 503 <c>store_unavailable</c> (or an edge 502/504), never a 500 or <c>internal_error</c>:
/// <see cref="ServerErrors"/> counts those.
/// </summary>
public sealed class AnswerTally
{
    private const string InternalError = "internal_error";
    private readonly ConcurrentDictionary<string, int> _answers = new(StringComparer.Ordinal);
    private int _serverErrors;

    /// <summary>Answers that say the server failed: an HTTP 5xx other than 502/503/504, or an <c>internal_error</c> code on any channel (WebSocket closes 1011 are counted from <see cref="SenderTrace"/>).</summary>
    public int ServerErrors => Volatile.Read(ref _serverErrors);

    /// <summary>An HTTP answer; <paramref name="body"/> (an error's problem details) gives its <c>error</c> code.</summary>
    public void Http(HttpStatusCode status, string? body = null)
    {
        var code = (int)status;
        var error = code >= 400 ? ErrorCode(body) : null;
        Add(error is null ? $"HTTP {code}" : $"HTTP {code} {error}", code >= 500 && code is not (502 or 503 or 504) || error == InternalError);
    }

    /// <summary>A WebSocket <c>ack</c> frame.</summary>
    public void Ack() => Add("ws ack", serverError: false);

    /// <summary>A WebSocket <c>error</c> frame, or an SSE / NDJSON <c>error</c> event (<paramref name="channel"/> says which).</summary>
    public void Error(string channel, string? code) => Add($"{channel} error {code}", code == InternalError);

    private void Add(string what, bool serverError)
    {
        _answers.AddOrUpdate(what, 1, static (_, n) => n + 1);
        if (serverError)
        {
            Interlocked.Increment(ref _serverErrors);
        }
    }

    private static string? ErrorCode(string? body)
    {
        if (string.IsNullOrEmpty(body))
        {
            return null;
        }

        try
        {
            using var problem = JsonDocument.Parse(body);
            return problem.RootElement.ValueKind == JsonValueKind.Object && problem.RootElement.TryGetProperty("error", out var error)
                ? error.ToString()
                : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The tally, most frequent first: <c>HTTP 200 ×812, HTTP 503 store_unavailable ×4, ws error rate_limited ×1</c>.</summary>
    public override string ToString() => string.Join(", ", _answers
        .OrderByDescending(answer => answer.Value).ThenBy(answer => answer.Key, StringComparer.Ordinal)
        .Select(answer => string.Create(CultureInfo.InvariantCulture, $"{answer.Key} ×{answer.Value}")));
}
