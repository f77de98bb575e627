using ChatMesh.Client;

namespace ChatMesh.Samples.EchoBot;

/// <summary>
/// The bot: joins the room, then answers every <c>/echo text</c> someone else posts there with <c>text</c> — in slow mode
/// as soon as the room lets it post again.
/// </summary>
public static class EchoLoop
{
    private const string Prefix = "/echo ";

    public static async Task RunAsync(ChatMeshClient bot, string room, Action? ready = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(bot);
        await bot.JoinAsync(room, cancellationToken);
        await bot.StartAsync(cancellationToken: cancellationToken);
        ready?.Invoke();
        await foreach (var item in bot.ReadAllAsync(cancellationToken))
        {
            if (Answer(item, room, bot.UserId) is { } answer)
            {
                await SendPatientlyAsync(bot, room, answer, cancellationToken);
            }
        }
    }

    /// <summary>A slow-mode refusal says when the room takes the next post: wait that long, then post.</summary>
    private static async Task SendPatientlyAsync(ChatMeshClient bot, string room, string text, CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                await bot.SendAsync(room, text, cancellationToken);
                return;
            }
            catch (ChatMeshException refused) when (refused is { Code: "slow_mode", RetryAfter: { } wait })
            {
                await Task.Delay(wait, cancellationToken);
            }
        }
    }

    /// <summary>The text after <c>/echo </c> in a message of <paramref name="room"/> by someone other than <paramref name="self"/>, else null.</summary>
    public static string? Answer(ChatItem item, string room, string? self) =>
        item is ChatEvent { Type: "message.created", Text: { } text } message
            && message.Room == room
            && message.Actor != self
            && text.StartsWith(Prefix, StringComparison.Ordinal)
            && text.Length > Prefix.Length
            ? text[Prefix.Length..]
            : null;
}
