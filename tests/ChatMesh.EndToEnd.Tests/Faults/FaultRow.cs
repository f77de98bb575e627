using System.Globalization;

namespace ChatMesh.Testing.Faults;

/// <summary>
/// One fault case's result. Lost: acknowledged but never delivered to a client that resumed (counted per client).
/// Live gaps: acknowledged ids a connected client had not received when traffic had drained, before it was made to
/// resume (a silent gap on a live connection). Duplicated: an event id twice to one client after its protocol's
/// dedupe, or one key committed under two ids. Longest pause: the longest any client went without a delivery from
/// the fault until sending stopped (the time until every channel delivered again). Server errors: answers that say
/// the server failed (<see cref="AnswerTally.ServerErrors"/>, plus WebSocket closes 1011); Answers: every answer by kind.
/// </summary>
public sealed record FaultRow(
    string Case,
    int Sent,
    int Acked,
    int UnackedCommitted,
    IReadOnlyDictionary<string, int> DeliveredPerChannel,
    int Lost,
    int LiveGaps,
    int Duplicated,
    int WebhookRedeliveries,
    int Resets,
    TimeSpan LongestPause,
    TimeSpan LongestSenderWait,
    int Unanswered,
    int ServerErrors,
    string Answers,
    string Errors)
{
    public static string Header =>
        "| case | sent | acked | unacked but committed | delivered ws / sse / ndjson / poll / webhook (per client, min) | lost | live gaps | duplicated | webhook redeliveries (deduped) | resets | longest delivery pause (any client) | longest sender wait | attempts unanswered in 10 s | server errors (500, internal_error, 1011) | answers by status / error code |\n" +
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|";

    public string ToMarkdown()
    {
        string Delivered(string channel) => DeliveredPerChannel.TryGetValue(channel, out var n) ? n.ToString(CultureInfo.InvariantCulture) : "-";
        return string.Create(CultureInfo.InvariantCulture,
            $"| {Case} | {Sent} | {Acked} | {UnackedCommitted} | {Delivered("ws")} / {Delivered("sse")} / {Delivered("ndjson")} / {Delivered("poll")} / {Delivered("webhook")} | {Lost} | {LiveGaps} | {Duplicated} | {WebhookRedeliveries} | {Resets} | {LongestPause.TotalSeconds:0.0} s | {LongestSenderWait.TotalSeconds:0.0} s | {Unanswered} | {ServerErrors} | {Answers} |");
    }
}
