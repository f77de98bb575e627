using System.Threading.Channels;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Chat.Tests.Infrastructure;

/// <summary>A live subscriber that records what it receives so a test can await it with a deadline.</summary>
internal sealed class RecordingSubscriber(string userId) : ILiveSubscriber
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly Channel<LiveEvent> _received = Channel.CreateUnbounded<LiveEvent>();

    public string UserId { get; } = userId;

    public void OnEvent(in LiveEvent liveEvent) => _received.Writer.TryWrite(liveEvent);

    public bool TryTake() => _received.Reader.TryRead(out _);

    /// <summary>The next event received, waiting up to a deadline.</summary>
    public async Task<LiveEvent> NextAsync()
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Deadline);
        try
        {
            return await _received.Reader.ReadAsync(deadline.Token);
        }
        catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{UserId} received nothing within {Deadline}.");
        }
    }

    /// <summary>The ids of the next <paramref name="count"/> events.</summary>
    public async Task<List<long>> NextIdsAsync(int count)
    {
        var ids = new List<long>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add((await NextAsync()).Id);
        }
        return ids;
    }
}
