namespace ChatMesh.Integration.Operations;

/// <summary>The operational event types, named as Svix names its operational webhooks.</summary>
public static class OperationalEventTypes
{
    /// <summary>A message used up its retry schedule and is <c>failed</c> (replay it once the receiver is fixed).</summary>
    public const string AttemptExhausted = "message.attempt.exhausted";

    /// <summary>The endpoint was turned off: <c>reason</c> is <c>gone</c> (410) or <c>failing</c> (every attempt failed for <c>DisableAfter</c>).</summary>
    public const string EndpointDisabled = "endpoint.disabled";
}

/// <summary>
/// Something an endpoint's owner must act on. <see cref="EventId"/> and <see cref="Attempts"/> are set for
/// <see cref="OperationalEventTypes.AttemptExhausted"/>, <see cref="Reason"/> for <see cref="OperationalEventTypes.EndpointDisabled"/>.
/// </summary>
public sealed record OperationalEvent(string Type, string Endpoint, DateTimeOffset At, long? EventId = null, int? Attempts = null, string? Reason = null);
