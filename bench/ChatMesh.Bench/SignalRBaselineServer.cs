using Microsoft.AspNetCore.SignalR;

namespace ChatMesh.Bench;

/// <summary>The minimal SignalR hub the design's reference figures describe: join a group, broadcast to it.</summary>
internal static class SignalRBaselineServer
{
    public static async Task RunAsync(int port)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls($"http://127.0.0.1:{port}");
        builder.Logging.ClearProviders();
        builder.Services.AddSignalR(options => options.ClientTimeoutInterval = TimeSpan.FromMinutes(10));
        var app = builder.Build();
        app.MapHub<BenchHub>("/hub");
        await app.RunAsync();
    }

    internal sealed class BenchHub : Hub
    {
        public Task Join(string room) => Groups.AddToGroupAsync(Context.ConnectionId, room);

        public Task Send(string room, string text) => Clients.Group(room).SendAsync("message", text);
    }
}
