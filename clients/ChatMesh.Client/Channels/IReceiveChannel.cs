namespace ChatMesh.Client.Channels;

/// <summary>Where a channel hands what it receives; the client drops events it has already delivered.</summary>
internal interface IEventSink
{
    ValueTask EventAsync(ChatEvent chatEvent, CancellationToken cancel);

    ValueTask ResetAsync(long head, CancellationToken cancel);

    ValueTask SignalAsync(ChatSignal signal, CancellationToken cancel);
}

/// <summary>One connection of one channel (the web client's transport contract, transports/transport.js).</summary>
internal interface IReceiveChannel : IAsyncDisposable
{
    ChatChannel Kind { get; }

    /// <summary>Connects and completes once live delivery runs (everything after <paramref name="after"/> replayed); throws when refused.</summary>
    Task OpenAsync(long after, IEventSink sink, CancellationToken cancel);

    /// <summary>Completes with a reason when an open connection ends; faults with a <see cref="ChatMeshException"/> that must stop the client (4001/4002).</summary>
    Task<string> Closed { get; }
}
