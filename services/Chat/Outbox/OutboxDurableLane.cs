using System.Threading.Channels;
using ChatMesh.Chat.Events;

namespace ChatMesh.Chat.Outbox;

/// <summary>
/// The durable lane of the outbox leader: the read batches whose live copy the broker has confirmed, in id order, each
/// put on the bus again as its durable copy and then recorded as published. It runs beside the live lane instead of
/// between two of its reads: awaiting the previous batch's durable confirm (the broker's disk write) and record before
/// the next read made every live batch wait for them (measured: the read loop ran at the durable lane's pace, ~180
/// rounds/s, and an event waited p99 15 ms after its commit before it was even read). The live lane may run ahead by at
/// most <c>capacity</c> batches (it then waits); the batches queued while a durable round runs go out together in the
/// next round (up to <c>maxEvents</c> events, split by <c>maxBatchBytes</c> as the live copies are), so a busy outbox
/// costs fewer durable publishes and progress records, not more. Progress is recorded only after the durable copies of
/// everything up to it are confirmed, in order: the recorded id never passes an event durable consumers have not got.
/// </summary>
public sealed class OutboxDurableLane : IAsyncDisposable
{
    private readonly Channel<List<ChatEventPublished>> _batches;
    private readonly Func<ChatEventPublished[], CancellationToken, Task> _publish;
    private readonly Func<long, int, Task<bool>> _record;
    private readonly int _maxEvents;
    private readonly int _maxBatchBytes;
    private readonly CancellationTokenSource _stopping;
    private int _disposed;

    /// <param name="capacity">Read batches that may wait for their durable copy before the live lane waits.</param>
    /// <param name="maxEvents">The most events one durable round publishes and records (whole batches; at least one).</param>
    /// <param name="maxBatchBytes">The most event JSON bytes per bus message (<see cref="OutboxPublisher.Chunk"/>).</param>
    /// <param name="publish">Publishes one durable chunk and returns once the broker confirmed it.</param>
    /// <param name="record">Records the newest id of a round (and its event count); false if the lease is lost.</param>
    public OutboxDurableLane(int capacity, int maxEvents, int maxBatchBytes, Func<ChatEventPublished[], CancellationToken, Task> publish,
        Func<long, int, Task<bool>> record, CancellationToken cancellationToken)
    {
        _batches = Channel.CreateBounded<List<ChatEventPublished>>(new BoundedChannelOptions(capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        _maxEvents = maxEvents;
        _maxBatchBytes = maxBatchBytes;
        _publish = publish;
        _record = record;
        _stopping = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Completion = Task.Run(() => RunAsync(_stopping.Token), CancellationToken.None);
    }

    /// <summary>
    /// The lane's end: true once <see cref="Complete"/> was called and everything queued is recorded; false if a record
    /// found the lease taken; faulted with the publish's or the record's failure (the leader then restarts from the
    /// last recorded id).
    /// </summary>
    public Task<bool> Completion { get; }

    /// <summary>
    /// Queues a batch (non-empty, in id order after the previous one) whose live copy is confirmed; waits while the
    /// lane is full. False if the lane has stopped: <see cref="Completion"/> says why.
    /// </summary>
    public async ValueTask<bool> TryEnqueueAsync(List<ChatEventPublished> batch, CancellationToken cancellationToken)
    {
        try
        {
            await _batches.Writer.WriteAsync(batch, cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (ChannelClosedException)
        {
            return false;
        }
    }

    /// <summary>No more batches: <see cref="Completion"/> ends once the queued ones are recorded.</summary>
    public void Complete() => _batches.Writer.TryComplete();

    /// <summary>Stops the lane at once (what is queued and unrecorded is published again by the next round of the leader) and waits for it.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }
        _batches.Writer.TryComplete();
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Completion.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // Its failure is the leader's to handle: it restarts from the last recorded id either way.
        }
        _stopping.Dispose();
    }

    private async Task<bool> RunAsync(CancellationToken cancellationToken)
    {
        var reader = _batches.Reader;
        var round = new List<ChatEventPublished>();
        try
        {
            while (await reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                round.Clear();
                // Whole batches only, so a round ends on a batch's last id; the first batch always fits.
                while ((round.Count == 0 || (reader.TryPeek(out var next) && round.Count + next.Count <= _maxEvents))
                    && reader.TryRead(out var batch))
                {
                    round.AddRange(batch);
                }
                foreach (var chunk in OutboxPublisher.Chunk(round, _maxBatchBytes))
                {
                    await _publish(chunk, cancellationToken).ConfigureAwait(false);
                }
                if (!await _record(round[^1].Id, round.Count).ConfigureAwait(false))
                {
                    return false;
                }
            }
            return true;
        }
        finally
        {
            // A live lane waiting for room (or about to queue) learns at once that this lane has stopped.
            _batches.Writer.TryComplete();
        }
    }
}
