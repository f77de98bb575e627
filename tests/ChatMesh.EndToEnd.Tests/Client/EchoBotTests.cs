using ChatMesh.Client;
using ChatMesh.EndToEnd.Tests.Support;
using ChatMesh.Samples.EchoBot;
using static ChatMesh.EndToEnd.Tests.Client.ClientSupport;

namespace ChatMesh.EndToEnd.Tests.Client;

/// <summary>The sample bot (samples/EchoBot) against the real system: it answers /echo and nothing else.</summary>
public sealed class EchoBotTests(ChatMeshAppFixture fixture)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task The_echo_bot_answers_echo_commands_in_its_room_and_ignores_other_messages()
    {
        using var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
        var room = await owner.CreateRoomAsync();
        await using var alice = new ChatMeshClient(Options(Edge(fixture), owner.Token));
        await alice.StartAsync(cancellationToken: Cancel);

        await using var bot = await ChatMeshClient.SignInAsync(ChatUser.UniqueName("echo"), Options(Edge(fixture)), Cancel);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var running = EchoLoop.RunAsync(bot, room, ready.SetResult, stop.Token);
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);

        await alice.SendAsync(room, "no command here", Cancel);
        await alice.SendAsync(room, "/echo hello there", Cancel);

        // alice's two messages, then the bot's answer to the second (and only that).
        var seen = await MessagesAsync(alice, room, 3);
        Assert.Equal(bot.UserId, seen[2].Actor);
        Assert.Equal("hello there", seen[2].Text);
        await AssertNoMoreMessagesAsync(alice, room);

        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
    }
}
