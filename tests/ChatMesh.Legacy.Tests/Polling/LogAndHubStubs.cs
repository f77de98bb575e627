using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Messages;
using ChatMesh.Chat.Rooms;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary>
/// An event log held in a list, for the poller's unit tests: <see cref="ReplayAsync"/> answers what followed the cursor up
/// to <see cref="Head"/> and counts its calls. Everything else is out of the poller's reach and throws.
/// </summary>
internal sealed class StubLog : IChatService
{
    private readonly List<StoredEvent> _events = [];
    private readonly TaskCompletionSource _firstReplay = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public long Head { get; set; }

    public int Replays { get; private set; }

    public Task FirstReplay => _firstReplay.Task;

    private readonly TaskCompletionSource _firstHeadRead = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Runs once, inside the first replay after its page is read: what happens while the poll reads.</summary>
    public Action? DuringFirstReplay { get; set; }

    public StoredEvent Append(long id, string type = ChatEventTypes.MessageCreated, string room = "general", string json = "{}")
    {
        var stored = new StoredEvent(id, type, room, null, System.Text.Encoding.UTF8.GetBytes(json));
        _events.Add(stored);
        Head = Math.Max(Head, id);
        return stored;
    }

    public Task<Replay> ReplayAsync(string actor, long after, int limit, CancellationToken cancellationToken)
    {
        Replays++;
        var events = _events.Where(e => e.Id > after && e.Id <= Head).OrderBy(e => e.Id).ToList();
        var page = events.Take(limit).ToList();
        var head = Head;
        if (_firstReplay.TrySetResult())
        {
            DuringFirstReplay?.Invoke();
        }

        return Task.FromResult(new Replay(page, Reset: false, More: events.Count > limit, head));
    }

    public int HeadReads { get; private set; }

    public Task FirstHeadRead => _firstHeadRead.Task;

    /// <summary>Runs once, as the first head read starts: what was committed before it.</summary>
    public Action? BeforeFirstHeadRead { get; set; }

    public Task<long> GetHeadAsync(CancellationToken cancellationToken)
    {
        HeadReads++;
        if (!_firstHeadRead.Task.IsCompleted)
        {
            BeforeFirstHeadRead?.Invoke();
        }

        var head = Head;
        _firstHeadRead.TrySetResult();
        return Task.FromResult(head);
    }

    public Task<IReadOnlyList<MyRoom>> ListMyRoomsAsync(string actor, CancellationToken cancellationToken) =>
        Task.FromResult<IReadOnlyList<MyRoom>>([]);

    public Task<RoomSummary> CreateRoomAsync(string actor, string roomId, string name, RoomKind kind, string? topic, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<RoomSummary> OpenDirectAsync(string actor, string otherUser, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> JoinRoomAsync(string actor, string room, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> LeaveRoomAsync(string actor, string room, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> InviteAsync(string actor, string room, string invitee, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<RoomSummary> GetRoomAsync(string actor, string room, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> SetRoleAsync(string actor, string room, string user, RoomRole role, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> KickAsync(string actor, string room, string user, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> BanAsync(string actor, string room, string user, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> UnbanAsync(string actor, string room, string user, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<string>> GetBansAsync(string actor, string room, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> UpdateRoomAsync(string actor, string room, RoomChanges changes, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<RoomSummary>> ListPublicRoomsAsync(string actor, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<IReadOnlyList<string>> GetMembersAsync(string actor, string room, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<bool> IsMemberAsync(string user, string room, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> PostMessageAsync(string actor, string room, string text, long? replyTo, string? idempotencyKey, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> PostBotMessageAsync(string bot, string room, string text, string? username, string? idempotencyKey, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> EditMessageAsync(string actor, string room, long messageId, string text, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> DeleteMessageAsync(string actor, string room, long messageId, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> AddReactionAsync(string actor, string room, long messageId, string emoji, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> RemoveReactionAsync(string actor, string room, long messageId, string emoji, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<CommitResult> MarkReadAsync(string actor, string room, long eventId, CancellationToken cancellationToken) => throw new NotSupportedException();
    public Task<HistoryPage> GetHistoryAsync(string actor, string room, long? before, long? after, int limit, CancellationToken cancellationToken) => throw new NotSupportedException();
}

/// <summary>A live hub the test drives: it dispatches what the test hands it, and reports the ids and skips the test sets.</summary>
internal sealed class StubHub : ILiveEventHub
{
    private readonly List<ILiveSubscriber> _subscribers = [];

    public long LastDispatchedId { get; set; }

    public long SkippedThrough { get; set; }

    /// <summary>Subscriptions made so far.</summary>
    public int Subscriptions { get; private set; }

    public IDisposable Subscribe(ILiveSubscriber subscriber, IEnumerable<string> rooms)
    {
        lock (_subscribers)
        {
            Subscriptions++;
            _subscribers.Add(subscriber);
        }

        return new Unsubscriber(this, subscriber);
    }

    /// <summary>Dispatches a logged event as the real hub does after committing it: to every subscriber, then records it.</summary>
    public void Dispatch(StoredEvent stored)
    {
        ILiveSubscriber[] targets;
        lock (_subscribers)
        {
            targets = [.. _subscribers];
        }

        var live = new LiveEvent(stored.Id, stored.Type, stored.Room, stored.User, stored.Json);
        foreach (var subscriber in targets)
        {
            subscriber.OnEvent(in live);
        }

        LastDispatchedId = stored.Id;
    }

    private sealed class Unsubscriber(StubHub hub, ILiveSubscriber subscriber) : IDisposable
    {
        public void Dispose()
        {
            lock (hub._subscribers)
            {
                hub._subscribers.Remove(subscriber);
            }
        }
    }
}
