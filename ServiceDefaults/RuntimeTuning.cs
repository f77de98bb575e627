using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Runtime and Kestrel settings chosen on measurements (docs/benchmarks.md), each an option documented in
/// docs/operations.md. The thread-pool spin limit is set for every project in Directory.Build.props.
/// </summary>
public static class RuntimeTuning
{
    /// <summary>The configuration section of these settings.</summary>
    public const string SectionName = "ChatMesh:Runtime";

    /// <summary>
    /// <c>ChatMesh:Runtime:InlineIoScheduling</c> (default true): Kestrel runs socket continuations on the I/O thread
    /// instead of queueing each to the thread pool, so a write to a connection reaches the socket without another hop.
    /// Safe here because no ChatMesh request path blocks a thread (async all the way); set false if a future handler
    /// does blocking work.
    /// </summary>
    public static TBuilder ConfigureRuntimeTuning<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // GetValue throws at start-up on a value that is not a boolean.
        var inline = builder.Configuration.GetValue($"{SectionName}:InlineIoScheduling", true);
        builder.Services.Configure<SocketTransportOptions>(options => options.UnsafePreferInlineScheduling = inline);
        return builder;
    }
}
