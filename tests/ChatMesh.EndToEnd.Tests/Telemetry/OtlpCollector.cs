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

/// <summary>The service (and replica) that exported a signal.</summary>
public sealed record OtlpResource(string Service, string Instance);

/// <summary>One span as the services exported it.</summary>
public sealed record CollectedSpan(string Service, string TraceId, string SpanId, string ParentSpanId, string Name, IReadOnlyDictionary<string, string> Attributes);

/// <summary>
/// An OTLP/HTTP (protobuf) receiver inside the test run: every service the AppHost starts exports its spans, its
/// <c>chatmesh.*</c> metrics and its logs here, so a test can see what an operator's dashboard would.
/// </summary>
public sealed partial class OtlpCollector : IAsyncDisposable
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
        Receive("traces", CollectSpans);
        Receive("metrics", CollectMetrics);
        Receive("logs", CollectLogs);
        _app.MapPost("/v1/{signal}", () => Results.Bytes([], "application/x-protobuf"));
        await _app.StartAsync();
        var address = _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        Endpoint = new Uri(address);
    }

    private void Receive(string signal, Action<OtlpResource, byte[]> collect) =>
        _app!.MapPost($"/v1/{signal}", async (HttpContext context) =>
        {
            using var body = new MemoryStream();
            await context.Request.Body.CopyToAsync(body);
            foreach (var (resource, item) in Items(body.ToArray()))
            {
                collect(resource, item);
            }

            return Results.Bytes([], "application/x-protobuf");
        });

    /// <summary>
    /// Every item of an Export{Trace,Metrics,Logs}ServiceRequest, which share one shape: resource_*(1) → resource(1)
    /// and scope_*(2) → items(2) (spans, metrics or log records).
    /// </summary>
    private static List<(OtlpResource Resource, byte[] Item)> Items(ReadOnlySpan<byte> request)
    {
        List<(OtlpResource, byte[])> items = [];
        var reader = new ProtobufReader(request);
        while (reader.TryReadField(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                AddResourceItems(reader.ReadBytes(), items);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return items;
    }

    private static void AddResourceItems(ReadOnlySpan<byte> group, List<(OtlpResource, byte[])> items)
    {
        var resource = new OtlpResource("unknown", "");
        List<byte[]> scopes = [];
        var reader = new ProtobufReader(group);
        while (reader.TryReadField(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                resource = ReadResource(reader.ReadBytes());
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
                    items.Add((resource, scopeReader.ReadBytes().ToArray()));
                }
                else
                {
                    scopeReader.Skip(wire);
                }
            }
        }
    }

    private static OtlpResource ReadResource(ReadOnlySpan<byte> resource)
    {
        var attributes = new Dictionary<string, string>();
        var reader = new ProtobufReader(resource);
        while (reader.TryReadField(out var field, out var wire))
        {
            if (field == 1 && wire == 2)
            {
                AddKeyValue(reader.ReadBytes(), attributes);
            }
            else
            {
                reader.Skip(wire);
            }
        }

        return new OtlpResource(attributes.GetValueOrDefault("service.name", "unknown"), attributes.GetValueOrDefault("service.instance.id", ""));
    }

    /// <summary>KeyValue(key = 1, value = 2: AnyValue string = 1, bool = 2, int = 3); other value kinds read as empty.</summary>
    private static void AddKeyValue(ReadOnlySpan<byte> keyValue, Dictionary<string, string> into)
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
                value = ReadAnyValue(reader.ReadBytes());
            }
            else
            {
                reader.Skip(wire);
            }
        }

        if (key is not null)
        {
            into[key] = value ?? string.Empty;
        }
    }

    private static string? ReadAnyValue(ReadOnlySpan<byte> anyValue)
    {
        string? value = null;
        var any = new ProtobufReader(anyValue);
        while (any.TryReadField(out var field, out var wire))
        {
            switch (field, wire)
            {
                case (1, 2): value = Encoding.UTF8.GetString(any.ReadBytes()); break;
                case (2, 0) or (3, 0): value = any.ReadVarint().ToString(System.Globalization.CultureInfo.InvariantCulture); break;
                default: any.Skip(wire); break;
            }
        }

        return value;
    }

    private void CollectSpans(OtlpResource resource, byte[] span)
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
                case (9, 2): AddKeyValue(reader.ReadBytes(), attributes); break;
                default: reader.Skip(wire); break;
            }
        }

        _spans.Enqueue(new CollectedSpan(resource.Service, traceId, spanId, parent, name, attributes));
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }
}
