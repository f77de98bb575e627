using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Delivery;

/// <summary>
/// This instance's delivery workers: claims due deliveries from Redis while fewer than
/// <see cref="DeliveryOptions.MaxConcurrentDeliveries"/> are in flight, and runs each on its own task, so a slow endpoint
/// holds one slot (and at most <see cref="DeliveryOptions.MaxConcurrencyPerEndpoint"/> across instances), never the loop.
/// </summary>
public sealed partial class DeliveryDispatcher(
    DeliveryQueue queue,
    DeliveryProcessor processor,
    DeliverySignal signal,
    IOptions<IntegrationOptions> options,
    ILogger<DeliveryDispatcher> logger) : BackgroundService
{
    private int inFlight;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var delivery = options.Value.Delivery;
        var running = new HashSet<Task>();
        while (!stoppingToken.IsCancellationRequested)
        {
            var free = delivery.MaxConcurrentDeliveries - Volatile.Read(ref inFlight);
            IReadOnlyList<DeliveryClaim> claims = [];
            if (free > 0)
            {
                try
                {
                    claims = await queue.ClaimAsync(free);
                }
                catch (Exception exception) when (exception is StackExchange.Redis.RedisException or TimeoutException)
                {
                    LogClaimFailed(logger, exception);
                }
            }

            foreach (var claim in claims)
            {
                Interlocked.Increment(ref inFlight);
                var task = RunAsync(claim, stoppingToken);
                lock (running)
                {
                    running.Add(task);
                }

                _ = task.ContinueWith(
                    done =>
                    {
                        lock (running)
                        {
                            running.Remove(done);
                        }
                    },
                    CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
            }

            // A full batch means more may be due; otherwise wait for a local enqueue, a finished slot, or the poll.
            if (claims.Count == 0 || claims.Count >= free)
            {
                try
                {
                    await signal.WaitAsync(delivery.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
            }
        }

        Task[] remaining;
        lock (running)
        {
            remaining = [.. running];
        }

        await Task.WhenAll(remaining);
    }

    private async Task RunAsync(DeliveryClaim claim, CancellationToken stoppingToken)
    {
        await Task.Yield();
        DeliveryClaim? current = claim;
        try
        {
            // Each completion claims this slot's next due delivery in the same round trip, until nothing is due.
            while (current is not null)
            {
                current = await processor.ProcessAsync(current, stoppingToken, takeNext: true);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Released back to the schedule by the processor.
        }
        catch (Exception exception)
        {
            // Redis trouble mid-way: the claim's visibility timeout brings the delivery back.
            LogDeliveryFailed(logger, exception, current!.Endpoint, current.EventId);
        }
        finally
        {
            Interlocked.Decrement(ref inFlight);
            signal.Wake();
        }
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Warning, Message = "Could not claim due webhook deliveries")]
    private static partial void LogClaimFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Error, Message = "Webhook delivery to {Endpoint} of event {EventId} broke off")]
    private static partial void LogDeliveryFailed(ILogger logger, Exception exception, string endpoint, long eventId);
}
