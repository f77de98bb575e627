using ChatMesh.Notification.Feeds;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace ChatMesh.Notification.Tests.Feeds;

/// <summary><c>Notification:InlineSocketScheduling</c> reaches Kestrel's socket transport; Kestrel's default otherwise.</summary>
public sealed class SocketSchedulingTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("true", true)]
    [InlineData("false", false)]
    public void The_option_sets_the_socket_transport(string? configured, bool inline)
    {
        var builder = WebApplication.CreateSlimBuilder();
        if (configured is not null)
        {
            builder.Configuration["Notification:InlineSocketScheduling"] = configured;
        }

        builder.AddNotificationFeeds();
        using var services = builder.Services.BuildServiceProvider();

        Assert.Equal(inline, services.GetRequiredService<IOptions<SocketTransportOptions>>().Value.UnsafePreferInlineScheduling);
    }
}
