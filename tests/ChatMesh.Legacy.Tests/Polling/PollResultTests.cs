using System.Text;
using ChatMesh.Chat.Events;
using ChatMesh.Legacy.Polling;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary>
/// Every poll answer says its length (<c>Content-Length</c>), not chunked framing: the shared one-event and eventless
/// bodies, and an answer of its own (several events, a reset) as well.
/// </summary>
public sealed class PollResultTests
{
    public static TheoryData<string, string> Answers() => new()
    {
        { "two events", """{"events":[{"id":7},{"id":8}],"lastEventId":8,"heartbeat":false}""" },
        { "a reset", """{"events":[{"id":8}],"lastEventId":8,"heartbeat":false,"reset":true,"head":9}""" },
        { "one event", """{"events":[{"id":8}],"lastEventId":8,"heartbeat":false}""" },
        { "a heartbeat", """{"events":[],"lastEventId":8,"heartbeat":true}""" },
    };

    [Theory]
    [MemberData(nameof(Answers))]
    public async Task An_answer_is_sent_with_its_length(string answer, string expected)
    {
        var batch = answer switch
        {
            "two events" => new PollBatch([Event(7), Event(8)], 8, Heartbeat: false, Reset: false, Head: 8),
            "a reset" => new PollBatch([Event(8)], 8, Heartbeat: false, Reset: true, Head: 9),
            "one event" => new PollBatch([Event(8)], 8, Heartbeat: false, Reset: false, Head: 8),
            _ => new PollBatch([], 8, Heartbeat: true, Reset: false, Head: 8),
        };
        var http = new DefaultHttpContext();
        var body = new MemoryStream();
        http.Response.Body = body;

        await new PollResult(batch).ExecuteAsync(http);
        await http.Response.BodyWriter.FlushAsync(TestContext.Current.CancellationToken);

        Assert.Equal(StatusCodes.Status200OK, http.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", http.Response.ContentType);
        Assert.Equal(expected, Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal(body.Length, http.Response.ContentLength);
    }

    private static StoredEvent Event(long id) =>
        new(id, "message.created", "general", "bob", Encoding.UTF8.GetBytes($$"""{"id":{{id}}}"""));
}
