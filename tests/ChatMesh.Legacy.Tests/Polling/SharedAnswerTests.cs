using System.Text;
using ChatMesh.Legacy.Polling;

namespace ChatMesh.Legacy.Tests.Polling;

/// <summary>Eventless answers (heartbeats, empty) are one body per cursor, byte for byte what the writer would write.</summary>
public sealed class SharedAnswerTests
{
    [Theory]
    [InlineData(true, """{"events":[],"lastEventId":41,"heartbeat":true}""")]
    [InlineData(false, """{"events":[],"lastEventId":41,"heartbeat":false}""")]
    public void An_eventless_answer_is_the_written_shape_and_shared_at_one_cursor(bool heartbeat, string expected)
    {
        var first = SharedAnswer.For(new PollBatch([], 41, heartbeat, Reset: false, Head: 41));
        var again = SharedAnswer.For(new PollBatch([], 41, heartbeat, Reset: false, Head: 41));

        Assert.NotNull(first);
        Assert.Equal(expected, Encoding.UTF8.GetString(first.Value.Span));
        Assert.True(first.Value.Span == again!.Value.Span, "the same bytes for every poll at the cursor");
    }

    [Fact]
    public void Another_cursor_gets_its_own_body_and_a_reset_is_never_shared()
    {
        var at41 = SharedAnswer.For(new PollBatch([], 41, Heartbeat: true, Reset: false, Head: 41))!.Value;
        var at42 = SharedAnswer.For(new PollBatch([], 42, Heartbeat: true, Reset: false, Head: 42))!.Value;

        Assert.Equal("""{"events":[],"lastEventId":41,"heartbeat":true}""", Encoding.UTF8.GetString(at41.Span));
        Assert.Equal("""{"events":[],"lastEventId":42,"heartbeat":true}""", Encoding.UTF8.GetString(at42.Span));
        Assert.Null(SharedAnswer.For(new PollBatch([], 42, Heartbeat: false, Reset: true, Head: 50)));
    }
}
