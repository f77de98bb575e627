using System.Globalization;
using ChatMesh.Client.Channels;

namespace ChatMesh.Client;

/// <summary>The chat actions besides sending, over REST as the web client makes them (docs/rest-api.md).</summary>
public sealed partial class ChatMeshClient
{
    /// <summary>Joins <paramref name="room"/>; returns the <c>member.joined</c> event id (for a member already in: the id from which they see the room).</summary>
    public Task<long> JoinAsync(string room, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Post, $"{RestApi.Room(Required(room))}/join", null, cancellationToken);

    /// <summary>Leaves <paramref name="room"/>; returns the <c>member.left</c> event id.</summary>
    public Task<long> LeaveAsync(string room, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Post, $"{RestApi.Room(Required(room))}/leave", null, cancellationToken);

    /// <summary>Replaces the text of the user's own message <paramref name="messageId"/>; returns the <c>message.edited</c> event id.</summary>
    public Task<long> EditAsync(string room, long messageId, string text, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(text);
        return WriteAsync(HttpMethod.Patch, Message(room, messageId), writer => writer.WriteString("text", text), cancellationToken);
    }

    /// <summary>Deletes message <paramref name="messageId"/> (the author's, or anyone's as a moderator or the room owner); returns the <c>message.deleted</c> event id.</summary>
    public Task<long> DeleteAsync(string room, long messageId, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Delete, Message(room, messageId), null, cancellationToken);

    /// <summary>Adds the user's <paramref name="emoji"/> reaction; returns the <c>reaction.added</c> event id (0 when it was already there).</summary>
    public Task<long> ReactAsync(string room, long messageId, string emoji, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Put, Reaction(room, messageId, emoji), null, cancellationToken);

    /// <summary>Removes the user's <paramref name="emoji"/> reaction; returns the <c>reaction.removed</c> event id (0 when there was none).</summary>
    public Task<long> UnreactAsync(string room, long messageId, string emoji, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Delete, Reaction(room, messageId, emoji), null, cancellationToken);

    /// <summary>Moves the user's read cursor in <paramref name="room"/> to <paramref name="eventId"/>; returns the <c>read.updated</c> event id.</summary>
    public Task<long> MarkReadAsync(string room, long eventId, CancellationToken cancellationToken = default) =>
        WriteAsync(HttpMethod.Post, $"{RestApi.Room(Required(room))}/read", writer => writer.WriteNumber("eventId", eventId), cancellationToken);

    /// <summary>One REST write within <see cref="ChatMeshClientOptions.RequestTimeout"/>; a refusal throws <see cref="ChatMeshException"/> with its code.</summary>
    private Task<long> WriteAsync(HttpMethod method, string path, Action<System.Text.Json.Utf8JsonWriter>? json, CancellationToken cancellationToken) =>
        WithinTimeoutAsync(method, path, cancel => _rest.WriteAsync(method, path, json, cancel), cancellationToken);

    /// <summary>One REST call bounded by <see cref="ChatMeshClientOptions.RequestTimeout"/>: a <see cref="TimeoutException"/> past it, not retried.</summary>
    private async Task<T> WithinTimeoutAsync<T>(HttpMethod method, string path, Func<CancellationToken, Task<T>> call, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        try
        {
            return await call(timeout.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{method} {path}: no answer within {_options.RequestTimeout}.");
        }
    }

    private static string Message(string room, long messageId) =>
        string.Create(CultureInfo.InvariantCulture, $"{RestApi.Room(Required(room))}/messages/{messageId}");

    private static string Reaction(string room, long messageId, string emoji)
    {
        ArgumentException.ThrowIfNullOrEmpty(emoji);
        return $"{Message(room, messageId)}/reactions/{Uri.EscapeDataString(emoji)}";
    }

    private static string Required(string value, [System.Runtime.CompilerServices.CallerArgumentExpression(nameof(value))] string? name = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(value, name);
        return value;
    }
}
