using System.Diagnostics;
using Microsoft.Extensions.Options;
using OpenTelemetry.Instrumentation.AspNetCore;

namespace ChatMesh.Legacy.Hosting;

/// <summary>
/// Which polls (<c>GET /poll/queues/{id}/events</c>) keep their HTTP request span (<see cref="LegacyOptions.PollSpanRatio"/>).
/// A poll is the client waiting, not a user action: the action's trace (send, commit, bus, dispatch, the woken poll's
/// <c>longpoll deliver</c>) does not contain it and stays whole either way. A poll whose client sent a sampled
/// <c>traceparent</c> is always recorded (the client asked for it); the others are recorded at the ratio, decided when the
/// request starts (a replay answer's <c>longpoll deliver</c> is then the root of its own trace, linked to the request:
/// <c>Polling/PollTelemetry</c>). Every other <c>/poll</c> route (register, delete, send) keeps its span.
/// </summary>
internal static class PollSpanSampling
{
    private const string QueuesPrefix = LegacyExtensions.Prefix + "/queues/";
    private const string EventsSuffix = "/events";

    /// <summary>Adds the decision to the ASP.NET Core tracing filter of the service defaults (after it: health probes stay out).</summary>
    public static IServiceCollection AddPollSpanSampling(this IServiceCollection services)
    {
        services.AddOptions<AspNetCoreTraceInstrumentationOptions>()
            .PostConfigure<IOptions<LegacyOptions>>((tracing, legacy) =>
            {
                var ratio = legacy.Value.PollSpanRatio;
                if (ratio >= 1)
                {
                    return;
                }

                var inner = tracing.Filter;
                tracing.Filter = context => (inner is null || inner(context))
                    && Record(context.Request.Method, context.Request.Path, Activity.Current, ratio, Random.Shared);
            });
        return services;
    }

    /// <summary>Whether the request's span is recorded: always unless it is a poll; a poll when its client asked, or at the ratio.</summary>
    internal static bool Record(string method, PathString path, Activity? request, double ratio, Random random)
    {
        if (!IsPoll(method, path))
        {
            return true;
        }

        // Sampled by the client's traceparent (the default sampler follows a remote parent's decision).
        if (request is { HasRemoteParent: true, Recorded: true })
        {
            return true;
        }

        return ratio > 0 && random.NextDouble() < ratio;
    }

    private static bool IsPoll(string method, PathString path) =>
        HttpMethods.IsGet(method)
        && path.Value is { } value
        && value.StartsWith(QueuesPrefix, StringComparison.OrdinalIgnoreCase)
        && value.EndsWith(EventsSuffix, StringComparison.OrdinalIgnoreCase)
        && value.Length > QueuesPrefix.Length + EventsSuffix.Length
        && value.IndexOf('/', QueuesPrefix.Length) == value.Length - EventsSuffix.Length;
}
