using System.Diagnostics;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Telemetry;
using ChatMesh.Integration.Endpoints;
using MassTransit;

namespace ChatMesh.Integration.Delivery;

/// <summary>
/// Turns each logged event (they arrive in batches) into deliveries, once across all integration instances (one durable shared queue,
/// competing consumers). An endpoint gets the event when it is enabled, its filters pass, and its owner is a member of the
/// event's room when the event is processed (for a personal event: is the event's user). The bus message is acknowledged
/// only after every delivery is durably scheduled; a redelivered message schedules nothing twice.
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
        IEnumerable<WebhookEndpoint> all, ChatEventPublished chatEvent, string? traceParent, CancellationToken cancellationToken)
    {
        var memberships = new Dictionary<string, bool>(StringComparer.Ordinal);
        var scheduled = false;
        foreach (var endpoint in all)
        {
            if (!endpoint.Enabled || !endpoint.AcceptsType(chatEvent.Type) || !await SeesAsync(endpoint, chatEvent, memberships, cancellationToken))
            {
                continue;
            }

            scheduled |= await queue.EnqueueAsync(endpoint.Id, chatEvent.Id, chatEvent.Type, chatEvent.Json, traceParent);
        }

        return scheduled;
    }

    private async Task<bool> SeesAsync(
        WebhookEndpoint endpoint, ChatEventPublished chatEvent, Dictionary<string, bool> memberships, CancellationToken cancellationToken)
    {
        if (chatEvent.Room is not { } room)
        {
            // Personal events (mentions, invites, read cursors) go only to their user's endpoints; room filters do not apply.
            return string.Equals(chatEvent.User, endpoint.Owner, StringComparison.Ordinal);
        }

        if (!endpoint.AcceptsRoom(room))
        {
            return false;
        }

        if (!memberships.TryGetValue(endpoint.Owner, out var member))
        {
            member = await chat.IsMemberAsync(endpoint.Owner, room, cancellationToken);
            memberships[endpoint.Owner] = member;
        }

        return member;
    }
}
