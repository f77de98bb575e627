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
        await using var echo = await EchoRoom.StartAsync(fixture, slowMode: null);

        await echo.Alice.SendAsync(echo.Room, "no command here", Cancel);
        await echo.Alice.SendAsync(echo.Room, "/echo hello there", Cancel);

        // alice's two messages, then the bot's answer to the second (and only that).
        var seen = await MessagesAsync(echo.Alice, echo.Room, 3);
        Assert.Equal(echo.Bot.UserId, seen[2].Actor);
        Assert.Equal("hello there", seen[2].Text);
        await AssertNoMoreMessagesAsync(echo.Alice, echo.Room);
        await echo.StopAsync();
    }

    [Fact]
    public async Task In_slow_mode_the_echo_bot_waits_as_long_as_the_room_says_and_answers_every_command()
    {
        await using var echo = await EchoRoom.StartAsync(fixture, slowMode: TimeSpan.FromSeconds(2));

        // The owner is not slowed; the bot is: its second answer is refused with slow_mode until the interval has passed.
        await echo.Alice.SendAsync(echo.Room, "/echo one", Cancel);
        await echo.Alice.SendAsync(echo.Room, "/echo two", Cancel);
        var answers = (await MessagesAsync(echo.Alice, echo.Room, 4)).Where(m => m.Actor == echo.Bot.UserId).Select(m => m.Text);
        Assert.Equal(["one", "two"], answers);
        await echo.StopAsync();
    }

    /// <summary>alice's room (with slow mode if asked) and the bot running in it, answering /echo.</summary>
    private sealed class EchoRoom(ChatUser owner, ChatMeshClient alice, string room, ChatMeshClient bot, CancellationTokenSource stop, Task running) : IAsyncDisposable
    {
        public ChatMeshClient Alice => alice;

        public ChatMeshClient Bot => bot;

        public string Room => room;

        public static async Task<EchoRoom> StartAsync(ChatMeshAppFixture fixture, TimeSpan? slowMode)
        {
            var owner = await ChatUser.SignInAsync(fixture, "alice", "web");
            var room = await owner.CreateRoomAsync();
            var alice = new ChatMeshClient(Options(Edge(fixture), owner.Token));
            await alice.StartAsync(cancellationToken: Cancel);
            if (slowMode is { } interval)
            {
                await alice.UpdateRoomAsync(room, new ChatRoomUpdate { SlowMode = interval }, Cancel);
            }

            var bot = await ChatMeshClient.SignInAsync(ChatUser.UniqueName("echo"), Options(Edge(fixture)), Cancel);
            var stop = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
            var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var running = EchoLoop.RunAsync(bot, room, ready.SetResult, stop.Token);
            await ready.Task.WaitAsync(TimeSpan.FromSeconds(30), Cancel);
            return new EchoRoom(owner, alice, room, bot, stop, running);
        }

        /// <summary>Stops the bot: its loop ends by cancellation, not by a failure.</summary>
        public async Task StopAsync()
        {
            await stop.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => running);
        }

        public async ValueTask DisposeAsync()
        {
            await stop.CancelAsync();
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            await bot.DisposeAsync();
            await alice.DisposeAsync();
            owner.Dispose();
            stop.Dispose();
        }
    }
}
