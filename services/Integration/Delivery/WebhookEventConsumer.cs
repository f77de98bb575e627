using System.Diagnostics;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Integration.Endpoints;
using MassTransit;

namespace ChatMesh.Integration.Delivery;

/// <summary>
/// Turns each logged event (they arrive in batches) into deliveries, once across all integration instances (one durable
/// shared queue, competing consumers). An endpoint gets the event when it is enabled, its filters pass, and its owner is
/// a member of the event's room when the event is processed (for a personal event: is the event's user). The bus message
/// is acknowledged only after every delivery is durably scheduled; a redelivered message schedules nothing twice.
/// </summary>
public sealed class WebhookEventConsumer(
    EndpointStore endpoints, DeliveryQueue queue, DeliverySignal signal, IChatService chat) : IConsumer<ChatEventBatchPublished>
{
    public const string QueueName = "integration-webhooks";

    public async Task Consume(ConsumeContext<ChatEventBatchPublished> context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var all = await endpoints.ListAllAsync();
        // Membership is read once per owner and room for the whole batch: every event in it was committed before the batch
        // arrived, so each would read the same state (a room's burst of K-endpoint events cost K reads per event before).
        var membership = new Dictionary<(string Owner, string Room), Task<bool>>();
        var scheduled = false;
        foreach (var chatEvent in context.Message.Events)
        {
            // Each event's deliveries continue the trace of the action that committed it, even inside a batch.
            using var span = ChatTelemetry.StartContinuing("webhook schedule", ActivityKind.Internal, chatEvent.TraceParent);
            span.Activity?.SetTag("chatmesh.event_id", chatEvent.Id);
            span.Activity?.SetTag("chatmesh.room", chatEvent.Room);
            scheduled |= await ScheduleAsync(all, chatEvent, membership, Activity.Current?.Id, context.CancellationToken);
        }

        if (scheduled)
        {
            signal.Wake();
        }
    }

    private async Task<bool> ScheduleAsync(
        IReadOnlyList<WebhookEndpoint> all, ChatEventPublished chatEvent, Dictionary<(string Owner, string Room), Task<bool>> membership,
        string? traceParent, CancellationToken cancellationToken)
    {
        var candidates = all
            .Where(endpoint => endpoint.Enabled && endpoint.AcceptsType(chatEvent.Type) && (chatEvent.Room is null || endpoint.AcceptsRoom(chatEvent.Room)))
            .ToList();
        if (candidates.Count == 0)
        {
            return false;
        }

        // Membership is asked once per owner, all owners at once (pipelined by the multiplexer).
        var owners = candidates.Select(endpoint => endpoint.Owner).Distinct(StringComparer.Ordinal).ToList();
        var sees = await Task.WhenAll(owners.Select(owner => SeesAsync(owner, chatEvent, membership, cancellationToken)));
        var visible = owners.Zip(sees).Where(pair => pair.Second).Select(pair => pair.First).ToHashSet(StringComparer.Ordinal);
        var targets = candidates.Where(endpoint => visible.Contains(endpoint.Owner)).Select(endpoint => endpoint.Id).ToList();
        return await queue.EnqueueAsync(targets, chatEvent.Id, chatEvent.Type, chatEvent.Json, traceParent) > 0;
    }

    private Task<bool> SeesAsync(
        string owner, ChatEventPublished chatEvent, Dictionary<(string Owner, string Room), Task<bool>> membership, CancellationToken cancellationToken)
    {
        if (chatEvent.Room is not { } room)
        {
            // Personal events (mentions, invites, read cursors) go only to their user's endpoints; room filters do not apply.
            return Task.FromResult(string.Equals(chatEvent.User, owner, StringComparison.Ordinal));
        }

        if (!membership.TryGetValue((owner, room), out var member))
        {
            membership[(owner, room)] = member = chat.IsMemberAsync(owner, room, cancellationToken);
        }

        return member;
    }
}
