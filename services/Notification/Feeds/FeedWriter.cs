using System.Buffers;
using System.Diagnostics;
using System.IO.Pipelines;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Notification.Feeds;

/// <summary>
/// The one writer loop of a stream, whatever its format: each item's frame goes into the response's
/// <see cref="PipeWriter"/>, and one flush sends every item that was already queued (up to
/// <see cref="NotificationOptions.MaxFlushBytes"/>), so a burst costs one write to the socket, not one per event. An
/// item counts as written (metrics, its write span ends) once the flush that carried it completed. Idle, it holds no
/// buffer: the batch array is rented only while more than one item waits for a flush.
/// </summary>
internal static class FeedWriter
{
    public static async Task RunAsync(FeedSession session, PipeWriter body, FeedFormat format, int maxFlushBytes, CancellationToken cancellationToken)
    {
        var ambient = Activity.Current;
        var batch = new WriteBatch();
        var unflushed = 0;
        // The client going away completes the feed, which wakes the wait below; the loop then ends without writing more.
        using var cancelled = session.CompleteWhenCancelled(cancellationToken);
        try
        {
            while (true)
            {
                if (!session.TryRead(out var item))
                {
                    // Nothing else queued: send what is written, then wait for the next item.
                    if (batch.Count > 0)
                    {
                        unflushed = 0;
                        if (!await FlushAsync(session, body, batch, ambient, cancellationToken))
                        {
                            return;
                        }
                    }

                    if (session.IsDrained)
                    {
                        break;
                    }

                    await session.WaitAsync();
                    continue;
                }

                if (cancellationToken.IsCancellationRequested)
                {
                    return;
                }

                var span = session.StartWrite(item);
                if (span is not null)
                {
                    // The span's parent is the event's cause; it must not become the parent of what this loop does next.
                    Activity.Current = ambient;
                }

                batch.Add(item, span);
                unflushed += format.Write(body, item);
                if (unflushed >= maxFlushBytes)
                {
                    unflushed = 0;
                    if (!await FlushAsync(session, body, batch, ambient, cancellationToken))
                    {
                        return;
                    }
                }
            }

            // The feed ended: after an overflow the client is told why (slow_consumer) before the stream ends.
            if (!cancellationToken.IsCancellationRequested && session.TryTakeLast(out var last))
            {
                batch.Add(last, null);
                format.Write(body, last);
                await FlushAsync(session, body, batch, ambient, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client went away.
        }
        finally
        {
            batch.Dispose();
            Activity.Current = ambient;
        }
    }

    /// <summary>Flushes the written frames; false when the client is gone (the batch's items are not counted).</summary>
    private static async ValueTask<bool> FlushAsync(
        FeedSession session, PipeWriter body, WriteBatch batch, Activity? ambient, CancellationToken cancellationToken)
    {
        var flushed = await body.FlushAsync(cancellationToken);
        if (flushed.IsCanceled || flushed.IsCompleted)
        {
            // The client is gone: what is still queued is dropped (it resumes later).
            session.Abort();
            return false;
        }

        session.Flushed();
        batch.Written(session);
        if (Activity.Current != ambient)
        {
            Activity.Current = ambient;
        }

        return true;
    }

    /// <summary>The items written since the last flush, with their write spans.</summary>
    private sealed class WriteBatch : IDisposable
    {
        private const int FirstRent = 16;

        private (FeedItem Item, Activity? Span) _first;
        private (FeedItem Item, Activity? Span)[]? _more;

        public int Count { get; private set; }

        public void Add(in FeedItem item, Activity? span)
        {
            if (Count == 0)
            {
                _first = (item, span);
                Count = 1;
                return;
            }

            if (_more is null || Count - 1 == _more.Length)
            {
                var grown = ArrayPool<(FeedItem, Activity?)>.Shared.Rent(_more is null ? FirstRent : _more.Length * 2);
                if (_more is not null)
                {
                    _more.AsSpan().CopyTo(grown);
                    ArrayPool<(FeedItem, Activity?)>.Shared.Return(_more, clearArray: true);
                }

                _more = grown;
            }

            _more[Count - 1] = (item, span);
            Count++;
        }

        /// <summary>The flush completed: every item counts as written, in order, and its span ends.</summary>
        public void Written(FeedSession session)
        {
            session.Written(_first.Item);
            for (var i = 0; i < Count - 1; i++)
            {
                session.Written(_more![i].Item);
            }

            Clear();
        }

        /// <summary>Ends the items' spans and forgets them; gives the array back, so an idle stream holds none.</summary>
        public void Clear()
        {
            _first.Span?.Dispose();
            _first = default;
            if (_more is not null)
            {
                for (var i = 0; i < Count - 1; i++)
                {
                    _more[i].Span?.Dispose();
                }

                ArrayPool<(FeedItem, Activity?)>.Shared.Return(_more, clearArray: true);
                _more = null;
            }

            Count = 0;
        }

        public void Dispose() => Clear();
    }
}
