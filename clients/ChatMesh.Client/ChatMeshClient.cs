using System.Runtime.CompilerServices;
using System.Threading.Channels;
using ChatMesh.Client.Channels;

namespace ChatMesh.Client;

/// <summary>
/// A ChatMesh connection for bots, services and apps: sends with idempotency keys and acks, and delivers every event
/// the user may see exactly once and in id order, across reconnects (WebSocket, then SSE + REST, then long-polling +
/// REST when refused).
/// </summary>
public sealed partial class ChatMeshClient : IAsyncDisposable, IEventSink
{
    private readonly ChatMeshClientOptions _options;
    private readonly HttpClient _http;
    private readonly RestApi _rest;
    private readonly Channel<ChatItem> _items;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _firstLive = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly PollQueue _pollQueue = new();
    private readonly Task? _refreshing;
    private volatile IReceiveChannel? _current;
    private volatile string _token;
    private Task? _running;
    private long _lastEventId;
    private long _receivedId;
    private int _disposed;

    /// <summary>Creates a client with a token already obtained; the options are validated here.</summary>
    public ChatMeshClient(ChatMeshClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _options = options.Copy();
        _token = _options.Token!;
        _http = new HttpClient { BaseAddress = _options.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        _rest = new RestApi(_http, () => _token);
        _items = System.Threading.Channels.Channel.CreateBounded<ChatItem>(new BoundedChannelOptions(_options.ReceiveBufferCapacity) { SingleWriter = true });
        _refreshing = _options.TokenProvider is { } provider ? RefreshTokensAsync(provider, _stop.Token) : null;
    }

    /// <summary>The user this client signed in as (set by <see cref="SignInAsync"/>), else null.</summary>
    public string? UserId { get; private init; }

    /// <summary>The token the client authenticates with now (a newer one after each refresh by <see cref="ChatMeshClientOptions.TokenProvider"/>).</summary>
    public string Token => _token;

    /// <summary>
    /// The id of the newest event handed to the caller by <see cref="ReadAllAsync"/>: the resume point (pass it to
    /// <see cref="StartAsync"/> of a new client). Events received but still buffered are not counted, so a new client
    /// started after it misses nothing the caller has not seen.
    /// </summary>
    public long LastEventId => Interlocked.Read(ref _lastEventId);

    /// <summary>The channel currently connected, or null while (re)connecting.</summary>
    public ChatChannel? Channel => _current?.Kind;

    /// <summary>Raised when the client connects, loses its connection or falls back to another channel.</summary>
    public event EventHandler<ChatConnectionChangedEventArgs>? ConnectionChanged;

    /// <summary>Dev sign-in (<c>POST /api/auth/sign-in</c>, no password: development only) and a client with the token.</summary>
    public static async Task<ChatMeshClient> SignInAsync(string userName, ChatMeshClientOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var copy = options.Copy();
        copy.Token = "pending";
        copy.Validate();
        using var http = new HttpClient { BaseAddress = copy.BaseAddress, Timeout = copy.RequestTimeout };
        var (token, userId) = await RestApi.SignInAsync(http, userName, cancellationToken).ConfigureAwait(false);
        copy.Token = token;
        return new ChatMeshClient(copy) { UserId = userId };
    }

    /// <summary>
    /// Starts receiving: everything after <paramref name="after"/> (0 = live from now) and then live, reconnecting and
    /// resuming on its own. Completes once the first connection is live; throws <see cref="ChatMeshException"/> when the
    /// identity is refused.
    /// </summary>
    public async Task StartAsync(long after = 0, CancellationToken cancellationToken = default)
    {
        if (_running is not null)
        {
            throw new InvalidOperationException("The client is already started.");
        }

        _lastEventId = after;
        _receivedId = after;
        _running = RunAsync(_stop.Token);
        await _firstLive.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Everything received, in order: <see cref="ChatEvent"/> (each once, in id order), <see cref="ChatReset"/> and, with
    /// <see cref="ChatMeshClientOptions.IncludeSignals"/>, <see cref="ChatSignal"/>. Ends with a
    /// <see cref="ChatMeshException"/> when the server refuses the identity (4001, 4002, 401).
    /// </summary>
    public async IAsyncEnumerable<ChatItem> ReadAllAsync([EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in _items.Reader.ReadAllAsync(cancellationToken).ConfigureAwait(false))
        {
            var id = item switch { ChatEvent e => e.Id, ChatReset r => r.Head, _ => 0 };
            if (id > LastEventId)
            {
                Interlocked.Exchange(ref _lastEventId, id);
            }

            yield return item;
        }
    }

    /// <summary>
    /// Posts <paramref name="text"/> to <paramref name="room"/> and returns its event id once it is durable. One
    /// idempotency key per message, reused on every retry: a retry never creates a second message. A refusal throws
    /// <see cref="ChatMeshException"/>; <c>slow_mode</c> is not retried and carries <see cref="ChatMeshException.RetryAfter"/>.
    /// </summary>
    public Task<long> SendAsync(string room, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return SendCoreAsync(room, text, [], cancellationToken);
    }

    private async Task<long> SendCoreAsync(string room, string text, IReadOnlyList<string> attachments, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(room);
        var key = Guid.NewGuid().ToString("N");
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(_options.RequestTimeout);
                return _current is WebSocketChannel { IsOpen: true } socket
                    ? await socket.SendMessageAsync(room, text, attachments, key, _options.RequestTimeout, timeout.Token).ConfigureAwait(false)
                    : await _rest.PostMessageAsync(room, text, attachments, key, timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (attempt < _options.MaxSendAttempts && !cancellationToken.IsCancellationRequested && IsRetryable(ex))
            {
                await Task.Delay(Backoff.Delay(attempt - 1, _options), cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <summary>A request to the ChatMesh edge with this client's current token, for the REST calls the client has no method for.</summary>
    public async Task<HttpResponseMessage> SendRequestAsync(HttpMethod method, string path, HttpContent? content = null, CancellationToken cancellationToken = default)
    {
        using var request = _rest.Authorized(method, path);
        request.Content = content;
        return await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    private static bool IsRetryable(Exception ex) => ex switch
    {
        ChatMeshException refused => refused.IsTransient,
        _ => ex is IOException or HttpRequestException or TimeoutException or OperationCanceledException or System.Net.WebSockets.WebSocketException,
    };

    /// <summary>The web client's loop (transports/transport.js): a channel that never connected hands over to the next; one that worked is reconnected with backoff.</summary>
    private async Task RunAsync(CancellationToken stop)
    {
        var order = _options.Channels;
        var worked = new HashSet<ChatChannel>();
        var index = 0;
        var attempt = 0;
        Exception? terminal = null;
        while (!stop.IsCancellationRequested && terminal is null)
        {
            var kind = order[index];
            var channel = Create(kind);
            var openedWith = _token;
            try
            {
                await channel.OpenAsync(Interlocked.Read(ref _receivedId), this, stop).ConfigureAwait(false);
                worked.Add(kind);
                attempt = 0;
                _current = channel;
                _firstLive.TrySetResult();
                Raise(kind, connected: true, reason: null);
                // Stopping must not wait for the connection to end by itself: the channel is disposed below.
                var reason = await channel.Closed.WaitAsync(stop).ConfigureAwait(false);
                _current = null;
                Raise(kind, connected: false, reason);
            }
            catch (ChatMeshException ex) when (ex.IsAuthenticationFailure)
            {
                _current = null;
                Raise(kind, connected: false, Describe(ex));
                // An expiry that a refresh has already cured (the token changed meanwhile) is reconnected at once.
                if (ex.Code == "token_expired" && !string.Equals(openedWith, _token, StringComparison.Ordinal))
                {
                    await channel.DisposeAsync().ConfigureAwait(false);
                    continue;
                }

                terminal = ex;
            }
            catch (ChatMeshException ex) when (ex.Status == 429 && !stop.IsCancellationRequested)
            {
                // Over a per-user cap (too_many_connections, too_many_queues, too_many_held_polls): the other channels
                // count against the same caps, so wait for one of the user's connections to end and try this one again.
                _current = null;
                Raise(kind, connected: false, Describe(ex));
            }
            catch (Exception ex) when (!stop.IsCancellationRequested)
            {
                _current = null;
                Raise(kind, connected: false, Describe(ex));
                if (!worked.Contains(kind))
                {
                    index = (index + 1) % order.Count;
                    if (index != 0)
                    {
                        await channel.DisposeAsync().ConfigureAwait(false);
                        continue;
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // Stopping.
            }

            _current = null;
            await channel.DisposeAsync().ConfigureAwait(false);
            if (terminal is null && !stop.IsCancellationRequested)
            {
                try
                {
                    await Task.Delay(Backoff.Delay(attempt++, _options), stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    // Stopping.
                }
            }
        }

        _firstLive.TrySetException(terminal ?? new OperationCanceledException("The client was stopped."));
        _items.Writer.TryComplete(terminal);
    }

    private IReceiveChannel Create(ChatChannel kind) => kind switch
    {
        ChatChannel.WebSocket => new WebSocketChannel(_options.BaseAddress!, () => _token),
        ChatChannel.ServerSentEvents => new SseChannel(_http, () => _token, _options.IncludeSignals),
        _ => new LongPollChannel(_rest, _pollQueue, _options.LongPollTimeout, _options.RequestTimeout),
    };

    /// <summary>A refusal's code and status first (what a caller matches on), then its message.</summary>
    private static string Describe(Exception ex) => ex is ChatMeshException refused
        ? $"{refused.Code} ({refused.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? refused.CloseStatus?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "-"}): {refused.Message}"
        : ex.Message;

    private void Raise(ChatChannel channel, bool connected, string? reason) =>
        ConnectionChanged?.Invoke(this, new ChatConnectionChangedEventArgs(channel, connected, reason));

    // Every channel delivers in id order and resumes after the last id; a channel switch or a replay that overlaps
    // what was delivered is dropped here, so the caller sees each event once.
    async ValueTask IEventSink.EventAsync(ChatEvent chatEvent, CancellationToken cancel)
    {
        if (chatEvent.Id <= Interlocked.Read(ref _receivedId))
        {
            return;
        }

        await _items.Writer.WriteAsync(chatEvent, cancel).ConfigureAwait(false);
        Interlocked.Exchange(ref _receivedId, chatEvent.Id);
    }

    async ValueTask IEventSink.ResetAsync(long head, CancellationToken cancel)
    {
        await _items.Writer.WriteAsync(new ChatReset(head), cancel).ConfigureAwait(false);
        if (head > Interlocked.Read(ref _receivedId))
        {
            Interlocked.Exchange(ref _receivedId, head);
        }
    }

    async ValueTask IEventSink.SignalAsync(ChatSignal signal, CancellationToken cancel)
    {
        if (_options.IncludeSignals)
        {
            await _items.Writer.WriteAsync(signal, cancel).ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connection (1000 bye) and ends <see cref="ReadAllAsync"/>; a second call does nothing.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        if (_running is not null)
        {
            await _running.ConfigureAwait(false);
        }

        if (_refreshing is not null)
        {
            await _refreshing.ConfigureAwait(false);
        }

        await LongPollChannel.DeleteAsync(_rest, _pollQueue, _options.RequestTimeout).ConfigureAwait(false);
        _items.Writer.TryComplete();
        _http.Dispose();
        _stop.Dispose();
    }
}

/// <summary>A connection change: <see cref="Connected"/> on <see cref="Channel"/>, or lost (with <see cref="Reason"/>).</summary>
public sealed class ChatConnectionChangedEventArgs(ChatChannel channel, bool connected, string? reason) : EventArgs
{
    /// <summary>The channel.</summary>
    public ChatChannel Channel { get; } = channel;

    /// <summary>True when it is now live; false when it was lost or refused.</summary>
    public bool Connected { get; } = connected;

    /// <summary>Why it was lost or refused.</summary>
    public string? Reason { get; } = reason;
}
