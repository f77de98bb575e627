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
        var scheduled = false;
        foreach (var chatEvent in context.Message.Events)
        {
            // Each event's deliveries continue the trace of the action that committed it, even inside a batch.
            using var span = ChatTelemetry.StartContinuing("webhook schedule", ActivityKind.Internal, chatEvent.TraceParent);
            span.Activity?.SetTag("chatmesh.event_id", chatEvent.Id);
            span.Activity?.SetTag("chatmesh.room", chatEvent.Room);
            scheduled |= await ScheduleAsync(all, chatEvent, Activity.Current?.Id, context.CancellationToken);
        }

        if (scheduled)
        {
            signal.Wake();
        }
    }

    private async Task<bool> ScheduleAsync(
        IReadOnlyList<WebhookEndpoint> all, ChatEventPublished chatEvent, string? traceParent, CancellationToken cancellationToken)
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
        var sees = await Task.WhenAll(owners.Select(owner => SeesAsync(owner, chatEvent, cancellationToken)));
        var visible = owners.Zip(sees).Where(pair => pair.Second).Select(pair => pair.First).ToHashSet(StringComparer.Ordinal);
        var targets = candidates.Where(endpoint => visible.Contains(endpoint.Owner)).Select(endpoint => endpoint.Id).ToList();
        return await queue.EnqueueAsync(targets, chatEvent.Id, chatEvent.Type, chatEvent.Json, traceParent) > 0;
    }

    private async Task<bool> SeesAsync(string owner, ChatEventPublished chatEvent, CancellationToken cancellationToken) =>
        chatEvent.Room is { } room
            ? await chat.IsMemberAsync(owner, room, cancellationToken)
            // Personal events (mentions, invites, read cursors) go only to their user's endpoints; room filters do not apply.
            : string.Equals(chatEvent.User, owner, StringComparison.Ordinal);
}
