using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Events;
using ChatMesh.Chat.Rooms;
using ChatMesh.Integration.Ssrf;

namespace ChatMesh.Integration.Endpoints;

/// <summary>Checks an <see cref="EndpointRequest"/>: the target (SSRF rules), the filters, and the owner's membership of filtered rooms.</summary>
public sealed class EndpointRequestValidator(TargetValidator targets, IChatService chat)
{
    public const int MaxDescriptionLength = 256;
    public const int MaxFilters = 100;

    /// <summary>The logged event types a filter may name (ephemeral signals are never delivered).</summary>
    public static readonly string[] DeliverableTypes =
    [
        ChatEventTypes.RoomCreated, ChatEventTypes.RoomUpdated, ChatEventTypes.MemberJoined, ChatEventTypes.MemberLeft,
        ChatEventTypes.MemberInvited, ChatEventTypes.MessageCreated, ChatEventTypes.MessageEdited, ChatEventTypes.MessageDeleted,
        ChatEventTypes.ReactionAdded, ChatEventTypes.ReactionRemoved,
        ChatEventTypes.RoleUpdated, ChatEventTypes.MemberBanned, ChatEventTypes.MemberUnbanned, ChatEventTypes.ReadUpdated, ChatEventTypes.NotificationMention,
        ChatEventTypes.NotificationInvite, ChatEventTypes.NotificationDirect,
    ];

    /// <summary>Null when valid; otherwise (error code, detail).</summary>
    public async Task<TargetRefusal?> CheckAsync(string owner, EndpointRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Description is { Length: > MaxDescriptionLength } || request.Description?.Any(char.IsControl) == true)
        {
            return new(Chat.Problems.ApiErrors.InvalidArgument, $"'description' is at most {MaxDescriptionLength} characters, without control characters.");
        }

        if (request.EventTypes is { } types)
        {
            if (types.Length > MaxFilters || types.Any(type => !IsTypeFilter(type)))
            {
                return new(Chat.Problems.ApiErrors.InvalidArgument,
                    $"'eventTypes' holds at most {MaxFilters} of: {string.Join(", ", DeliverableTypes)}, or a 'prefix.*' of them.");
            }
        }

        if (request.Rooms is { } rooms)
        {
            if (rooms.Length is 0 or > MaxFilters || rooms.Any(room => room is null || !(ChatIds.IsRoomId(room) || ChatIds.TryParseDirect(room, out _, out _))))
            {
                return new(Chat.Problems.ApiErrors.InvalidArgument, $"'rooms' holds 1 to {MaxFilters} room ids; omit it for every room.");
            }

            foreach (var room in rooms.Distinct(StringComparer.Ordinal))
            {
                if (!await chat.IsMemberAsync(owner, room, cancellationToken))
                {
                    throw new ChatException(ChatError.NotMember, $"{owner} is not a member of {room}.");
                }
            }
        }

        return await targets.CheckAsync(request.Url, cancellationToken);
    }

    public static bool IsTypeFilter(string? filter) =>
        filter is not null && (DeliverableTypes.Contains(filter, StringComparer.Ordinal)
            || (filter.EndsWith(".*", StringComparison.Ordinal) && DeliverableTypes.Any(type => type.StartsWith(filter[..^1], StringComparison.Ordinal))));
}
