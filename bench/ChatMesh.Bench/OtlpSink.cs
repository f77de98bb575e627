using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace ChatMesh.Bench;

/// <summary>
/// An OTLP/gRPC receiver in the bench process, so a bench run's services pay the real export cost of the shipped
/// default (OTLP over gRPC to the dashboard's endpoint) without the retry storm of an endpoint where nothing listens.
/// Kestrel on a free loopback port, HTTP/2 without TLS (h2c, as the exporter speaks to an <c>http://</c> endpoint);
/// every <c>…/Export</c> call of the trace, metrics and logs services is answered with an empty message and
/// <c>grpc-status: 0</c>; the items of each export (spans, metrics, log records) and its bytes are counted.
/// </summary>
internal sealed class OtlpSink : IAsyncDisposable
{
    /// <summary>The OTLP services, in the order of <see cref="_items"/>: what each export carries.</summary>
    private static readonly (string Path, string Items)[] Services =
    [
        ("/opentelemetry.proto.collector.trace.v1.TraceService/Export", "spans"),
        ("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", "metrics"),
        ("/opentelemetry.proto.collector.logs.v1.LogsService/Export", "log records"),
    ];

    private readonly WebApplication _app;
    private readonly long[] _items = new long[Services.Length];
    private long _exports;
    private long _bytes;

    private OtlpSink(WebApplication app) => _app = app;

    /// <summary>The endpoint to hand to the services (<c>http://127.0.0.1:port</c>).</summary>
    public Uri Endpoint => new(_app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First());

    public static async Task<OtlpSink> StartAsync(CancellationToken cancellationToken)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0, listen => listen.Protocols = HttpProtocols.Http2));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var sink = new OtlpSink(app);
        for (var i = 0; i < Services.Length; i++)
        {
            var service = i;
            app.MapPost(Services[i].Path, context => sink.ExportAsync(context, service));
        }

        await app.StartAsync(cancellationToken);
        return sink;
    }

    /// <summary>What was received so far, for the report.</summary>
    public string Summary() => string.Create(CultureInfo.InvariantCulture,
        $"OTLP sink: {Interlocked.Read(ref _exports):N0} exports, {Interlocked.Read(ref _bytes) / 1024.0 / 1024.0:0.0} MB; ")
        + string.Join(", ", Services.Select((service, i) => string.Create(CultureInfo.InvariantCulture, $"{Interlocked.Read(ref _items[i]):N0} {service.Items}")));

    private async Task ExportAsync(HttpContext context, int service)
    {
        var body = await ReadAsync(context.Request);
        Interlocked.Increment(ref _exports);
        Interlocked.Add(ref _bytes, body.Length);
        // A gRPC message: 1 byte compressed flag, 4 bytes big-endian length, then the protobuf request.
        if (body.Length >= 5 && body[0] == 0 && BinaryPrimitives.ReadUInt32BigEndian(body.AsSpan(1)) is var length && length <= body.Length - 5)
        {
            Interlocked.Add(ref _items[service], OtlpItems.Count(body.AsSpan(5, (int)length)));
        }

        var response = context.Response;
        response.ContentType = "application/grpc";
        // An empty Export…ServiceResponse (no partial_success: everything accepted).
        await response.Body.WriteAsync(new byte[5]);
        response.AppendTrailer("grpc-status", "0");
    }

    private static async Task<byte[]> ReadAsync(HttpRequest request)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer);
        return buffer.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
