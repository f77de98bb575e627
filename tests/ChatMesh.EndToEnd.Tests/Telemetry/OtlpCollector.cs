using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace ChatMesh.EndToEnd.Tests.Telemetry;

/// <summary>One span as the services exported it.</summary>
public sealed record CollectedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// An OTLP/HTTP (protobuf) trace receiver inside the test run: every service the AppHost starts exports its spans
/// here, so a test can see which services took part in one trace.
/// </summary>
public sealed class OtlpCollector : IAsyncDisposable
{
    private readonly ConcurrentQueue<CollectedSpan> _spans = new();
    private WebApplication? _app;

    public Uri Endpoint { get; private set; } = null!;

    public IReadOnlyList<CollectedSpan> Spans => [.. _spans];

    public async Task StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        _app = builder.Build();
        _app.MapPost("/v1/traces", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            Collect(body.ToArray());
            context.Response.ContentType = "application/x-protobuf";
            return Results.Bytes([], "application/x-protobuf");
        });
        _app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf"));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Endpoint = new Uri(address);
    }

    /// <summary>ExportTraceServiceRequest: resource_spans(1) → resource(1) → attributes(1); scope_spans(2) → spans(2).</summary>
    private void Collect(ReadOnlySpan<byte> request)
    {
        var reader = new ProtobufReader(request);
        while (reader.TryReadField(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                CollectResourceSpans(reader.ReadBytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }
    }

    private void CollectResourceSpans(ReadOnlySpan<byte> resourceSpans)
    {
        var service = "unknown";
        List<byte[]> scopes = [];
        var reader = new ProtobufReader(resourceSpans);
        while (reader.TryReadField(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                service = ServiceName(reader.ReadBytes()) ?? service;
            }
            else if (field == 2 && wire == 2)
            {
                scopes.Add(reader.ReadBytes().ToArray());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        foreach (var scope in scopes)
        {
            var scopeReader = new ProtobufReader(scope);
            while (scopeReader.TryReadField(out var field, out var wire))
            {
                if (field == 2 && wire == 2)
                {
                    _spans.Enqueue(ReadSpan(service, scopeReader.ReadBytes()));
                }
                else
                {
                    scopeReader.Skip(wire);
                }
            }
        }
    }

    private static string? ServiceName(ReadOnlySpan<byte> resource)
    {
        var reader = new ProtobufReader(resource);
        while (reader.TryReadField(out var field, out var wire))
        {
            if (field != 1 || wire != 2)
            {
                reader.Skip(wire);
                continue;
            }

            var (key, value) = ReadKeyValue(reader.ReadBytes());
            if (key == "service.name")
            {
                return value;
            }
        }

        return null;
    }

    /// <summary>KeyValue(key = 1, value = 2: AnyValue string = 1, bool = 2, int = 3); other value kinds read as empty.</summary>
    private static (string? Key, string? Value) ReadKeyValue(ReadOnlySpan<byte> keyValue)
    {
        string? key = null, value = null;
        var reader = new ProtobufReader(keyValue);
        while (reader.TryReadField(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                key = Encoding.UTF8.GetString(reader.ReadBytes());
            }
            else if (field == 2 && wire == 2)
            {
                var any = new ProtobufReader(reader.ReadBytes());
                while (any.TryReadField(out var anyField, out var anyWire))
                {
                    switch (anyField, anyWire)
                    {
                        case (1, 2): value = Encoding.UTF8.GetString(any.ReadBytes()); break;
                        case (2, 0) or (3, 0): value = any.ReadVarint().ToString(System.Globalization.CultureInfo.InvariantCulture); break;
                        default: any.Skip(anyWire); break;
                    }
                }
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return (key, value);
    }

    private static CollectedSpan ReadSpan(string service, ReadOnlySpan<byte> span)
    {
        string traceId = "", spanId = "", parent = "", name = "";
        Dictionary<string, string> attributes = [];
        var reader = new ProtobufReader(span);
        while (reader.TryReadField(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2): traceId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case (2, 2): spanId = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case (4, 2): parent = Convert.ToHexStringLower(reader.ReadBytes()); break;
                case (5, 2): name = Encoding.UTF8.GetString(reader.ReadBytes()); break;
                case (9, 2):
                    var (key, value) = ReadKeyValue(reader.ReadBytes());
                    if (key is not null)
                    {
                        attributes[key] = value ?? string.Empty;
                    }

                    break;
                default: reader.Skip(wire); break;
            }
        }

        return new CollectedSpan(service, traceId, spanId, parent, name, attributes);
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
