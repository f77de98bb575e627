using System.Buffers;
using System.Diagnostics;
using System.Runtime.CompilerServices;
using ChatMesh.Chat.Webhooks;
using ChatMesh.Integration.Attempts;
using ChatMesh.Integration.Endpoints;
using ChatMesh.Integration.Ssrf;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Delivery;

/// <summary>What one HTTP attempt produced.</summary>
public sealed record SendResult(int? Status, long LatencyMs, string? Error, string? ErrorDetail, string? Body, TimeSpan? RetryAfter)
{
    public bool Success => Error is null;
}

/// <summary>
/// Sends one signed Standard Webhooks POST. Its own <see cref="SocketsHttpHandler"/>: no redirects, no proxy, no cookies,
/// the SSRF-guarded connect, and none of the resilience handlers ServiceDefaults adds to factory clients (retries are ours).
/// </summary>
public sealed class WebhookSender : IDisposable
{
    public const string UserAgent = "ChatMesh-Webhooks/1";
    public const int MaxResponseBodyBytes = 1024;

    // What each attempt would otherwise parse again: the URL and the decoded keys, per endpoint object (one per revision,
    // from EndpointStore's cache), so a changed endpoint gets a fresh entry and the old one goes with its object.
    private static readonly ConditionalWeakTable<WebhookEndpoint, Prepared> PreparedEndpoints = [];

    private readonly HttpClient client;
    private readonly IOptions<IntegrationOptions> options;
    private readonly TimeProvider time;

    public WebhookSender(GuardedConnector connector, IOptions<IntegrationOptions> options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(connector);
        this.options = options;
        this.time = time;
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = System.Net.DecompressionMethods.None,
            ConnectCallback = connector.ConnectAsync,
            PooledConnectionLifetime = TimeSpan.FromMinutes(2),
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
        };
        client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public async Task<SendResult> SendAsync(WebhookEndpoint endpoint, long eventId, byte[] body, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(endpoint);
        var now = time.GetUtcNow();
        var timestamp = now.ToUnixTimeSeconds();
        var id = eventId.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var prepared = PreparedEndpoints.GetValue(endpoint, static endpoint => new Prepared(endpoint));
        var signature = StandardWebhooks.SignAll(prepared.SigningSecrets(now), id, timestamp, body);

        using var request = new HttpRequestMessage(HttpMethod.Post, prepared.Url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/json");
        request.Headers.TryAddWithoutValidation(StandardWebhooks.IdHeader, id);
        request.Headers.TryAddWithoutValidation(StandardWebhooks.TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        request.Headers.TryAddWithoutValidation(StandardWebhooks.SignatureHeader, signature);
        request.Headers.TryAddWithoutValidation("user-agent", UserAgent);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.Value.Delivery.Timeout);
        var started = Stopwatch.GetTimestamp();
        long Elapsed() => (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds;
        try
        {
            using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            var text = await ReadPrefixAsync(response, timeout.Token);
            var status = (int)response.StatusCode;
            var error = status switch
            {
                >= 200 and < 300 => null,
                >= 300 and < 400 => AttemptErrors.Redirect,
                _ => AttemptErrors.HttpStatus,
            };
            return new SendResult(status, Elapsed(), error, error is null ? null : $"HTTP {status}", text, RetryAfter(response, now));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return new SendResult(null, Elapsed(), AttemptErrors.Timeout, $"No answer within {options.Value.Delivery.Timeout}.", null, null);
        }
        catch (HttpRequestException exception) when (Find<SsrfBlockedException>(exception) is { } blocked)
        {
            return new SendResult(null, Elapsed(), AttemptErrors.SsrfBlocked, blocked.Message, null, null);
        }
        catch (HttpRequestException exception)
        {
            return new SendResult(null, Elapsed(), AttemptErrors.Connection, exception.Message, null, null);
        }
    }

    private static async Task<string?> ReadPrefixAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(MaxResponseBodyBytes);
        var read = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            while (read < MaxResponseBodyBytes)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read, MaxResponseBodyBytes - read), cancellationToken);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }
        }
        catch (Exception exception) when (exception is IOException or HttpRequestException)
        {
            // The status is what counts; a body cut short is still logged as far as it came.
        }

        try
        {
            return read == 0 ? null : System.Text.Encoding.UTF8.GetString(buffer, 0, read);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static TimeSpan? RetryAfter(HttpResponseMessage response, DateTimeOffset now)
    {
        if (response.StatusCode is not (System.Net.HttpStatusCode.TooManyRequests or System.Net.HttpStatusCode.ServiceUnavailable)
            || response.Headers.RetryAfter is not { } retryAfter)
        {
            return null;
        }

        var delay = retryAfter.Delta ?? (retryAfter.Date is { } date ? date - now : null);
        return delay is { } d && d > TimeSpan.Zero ? d : null;
    }

    private static T? Find<T>(Exception? exception)
        where T : Exception
    {
        for (; exception is not null; exception = exception.InnerException)
        {
            if (exception is T match)
            {
                return match;
            }
        }

        return null;
    }

    public void Dispose() => client.Dispose();

    /// <summary>An endpoint's URL and signing keys, parsed once.</summary>
    private sealed class Prepared(WebhookEndpoint endpoint)
    {
        private readonly WebhookSecret[] current = [WebhookSecret.Parse(endpoint.Secret)];
        private readonly WebhookSecret[]? both = endpoint.PreviousSecret is { } previous
            ? [WebhookSecret.Parse(endpoint.Secret), WebhookSecret.Parse(previous)]
            : null;

        public Uri Url { get; } = new(endpoint.Url);

        /// <summary>As <see cref="WebhookEndpoint.SigningSecrets"/>, without decoding the keys again.</summary>
        public IReadOnlyList<WebhookSecret> SigningSecrets(DateTimeOffset now) =>
            both is not null && endpoint.SignsWithPrevious(now) ? both : current;
    }
}
