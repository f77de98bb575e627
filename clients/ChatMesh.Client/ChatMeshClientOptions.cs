namespace ChatMesh.Client;

/// <summary>The channels the client receives on, in the order it tries them (the web client's order).</summary>
public enum ChatChannel
{
    /// <summary><c>/ws</c>, chatmesh.v1: receive and send (acks) on one connection.</summary>
    WebSocket,

    /// <summary><c>/sse</c> for receiving, REST for sending.</summary>
    ServerSentEvents,

    /// <summary>Long-polling a queue (<c>/poll</c>, the legacy service) for receiving, REST for sending.</summary>
    LongPolling,
}

/// <summary>Options of a <see cref="ChatMeshClient"/>; <see cref="Validate"/> runs when the client is created.</summary>
public sealed class ChatMeshClientOptions
{
    /// <summary>The ChatMesh edge, e.g. <c>http://localhost:5080</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>The bearer token (from sign-in). <see cref="ChatMeshClient.SignInAsync"/> sets it.</summary>
    public string? Token { get; set; }

    /// <summary>Channels in the order they are tried; a channel that never connected hands over to the next.</summary>
    public IList<ChatChannel> Channels { get; } = [ChatChannel.WebSocket, ChatChannel.ServerSentEvents, ChatChannel.LongPolling];

    /// <summary>First reconnect delay bound: each attempt waits a random time in [0, min(max, base·2^attempt)).</summary>
    public TimeSpan ReconnectBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>Upper bound of one reconnect delay.</summary>
    public TimeSpan ReconnectMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long one send attempt (or REST request) waits for its answer before it is retried.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How many times a send is tried (with the same idempotency key) before it fails.</summary>
    public int MaxSendAttempts { get; set; } = 5;

    /// <summary>Items received but not yet read by the caller; when full, the client stops reading the connection.</summary>
    public int ReceiveBufferCapacity { get; set; } = 1024;

    /// <summary>How long one long-poll asks the server to hold it (its <c>timeout</c>; the server caps it at <c>Legacy:MaxPollTimeout</c>). Whole seconds.</summary>
    public TimeSpan LongPollTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Called for a fresh token (same user) before the current one expires (its JWT <c>exp</c>, less
    /// <see cref="TokenRefreshMargin"/>): the open WebSocket gets it in an <c>auth</c> frame, every later request and
    /// connection uses it. Null: the token is not refreshed and the client stops when it expires.
    /// </summary>
    public Func<CancellationToken, ValueTask<string>>? TokenProvider { get; set; }

    /// <summary>How long before the token's expiry <see cref="TokenProvider"/> is called.</summary>
    public TimeSpan TokenRefreshMargin { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Also deliver <c>typing</c> and <c>presence</c> signals as <see cref="ChatSignal"/> items.</summary>
    public bool IncludeSignals { get; set; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the first invalid option.</summary>
    public void Validate()
    {
        if (BaseAddress is null || !BaseAddress.IsAbsoluteUri || BaseAddress.Scheme is not ("http" or "https"))
        {
            throw new ArgumentException("BaseAddress must be an absolute http:// or https:// address.", nameof(BaseAddress));
        }

        if (string.IsNullOrWhiteSpace(Token))
        {
            throw new ArgumentException("Token is required (sign in first, e.g. ChatMeshClient.SignInAsync).", nameof(Token));
        }

        if (Channels.Count == 0 || Channels.Distinct().Count() != Channels.Count || Channels.Any(channel => !Enum.IsDefined(channel)))
        {
            throw new ArgumentException("Channels must name at least one channel, each once.", nameof(Channels));
        }

        Check(ReconnectBaseDelay > TimeSpan.Zero && ReconnectBaseDelay <= ReconnectMaxDelay, nameof(ReconnectBaseDelay), "must be > 0 and ≤ ReconnectMaxDelay");
        Check(ReconnectMaxDelay <= TimeSpan.FromMinutes(10), nameof(ReconnectMaxDelay), "must be ≤ 10 minutes");
        Check(RequestTimeout > TimeSpan.Zero && RequestTimeout <= TimeSpan.FromMinutes(5), nameof(RequestTimeout), "must be > 0 and ≤ 5 minutes");
        Check(MaxSendAttempts is >= 1 and <= 100, nameof(MaxSendAttempts), "must be 1–100");
        Check(LongPollTimeout >= TimeSpan.FromSeconds(1) && LongPollTimeout <= TimeSpan.FromMinutes(5) && LongPollTimeout.Ticks % TimeSpan.TicksPerSecond == 0,
            nameof(LongPollTimeout), "must be whole seconds, 1 s – 5 minutes");
        Check(TokenRefreshMargin > TimeSpan.Zero && TokenRefreshMargin <= TimeSpan.FromHours(1), nameof(TokenRefreshMargin), "must be > 0 and ≤ 1 hour");
        Check(ReceiveBufferCapacity is >= 1 and <= 1_000_000, nameof(ReceiveBufferCapacity), "must be 1–1,000,000");
    }

    internal ChatMeshClientOptions Copy()
    {
        var copy = new ChatMeshClientOptions
        {
            BaseAddress = BaseAddress,
            Token = Token,
            ReconnectBaseDelay = ReconnectBaseDelay,
            ReconnectMaxDelay = ReconnectMaxDelay,
            RequestTimeout = RequestTimeout,
            MaxSendAttempts = MaxSendAttempts,
            ReceiveBufferCapacity = ReceiveBufferCapacity,
            IncludeSignals = IncludeSignals,
            LongPollTimeout = LongPollTimeout,
            TokenProvider = TokenProvider,
            TokenRefreshMargin = TokenRefreshMargin,
        };
        copy.Channels.Clear();
        foreach (var channel in Channels)
        {
            copy.Channels.Add(channel);
        }

        return copy;
    }

    private static void Check(bool valid, string name, string rule)
    {
        if (!valid)
        {
            throw new ArgumentException($"{name} {rule}.", name);
        }
    }
}
