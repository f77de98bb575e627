namespace ChatMesh.Integration;

/// <summary>Every Redis key of the integration service, under <c>wh:</c>. One Redis primary (as for the chat log).</summary>
internal static class WebhookKeys
{
    public const string AllEndpoints = "wh:eps";

    /// <summary>Endpoints with deliveries scheduled, scored by when each next needs a look (see <c>DeliveryScripts</c>).</summary>
    public const string Ready = "wh:ready";

    public static string Endpoint(string id) => $"wh:ep:{id}";

    public static string UserEndpoints(string user) => $"wh:user:{user}:eps";

    public static string UserOperationalEvents(string user) => $"wh:user:{user}:ops";

    public static string EndpointFailed(string id) => $"wh:ep:{id}:failed";

    public static string EndpointAttempts(string id) => $"wh:ep:{id}:attempts";

    public static string InFlight(string id) => $"wh:ep:{id}:inflight";

    /// <summary>The endpoint's schedule: its deliveries scored by when each is due (or, while claimed, when the claim ends).</summary>
    public static string EndpointDue(string id) => $"wh:ep:{id}:due";

    /// <summary>The due-set member of one delivery: <c>{endpoint}:{event}</c>.</summary>
    public static string Member(string endpoint, long eventId) => $"{endpoint}:{eventId}";

    public static string Message(string member) => $"wh:msg:{member}";

    public static string MessageAttempts(string member) => $"wh:msg:{member}:attempts";

    public static string Hook(string id) => $"wh:hook:{id}";

    public static string HookToken(string tokenHash) => $"wh:hooktoken:{tokenHash}";

    public static string UserHooks(string user) => $"wh:user:{user}:hooks";

    public static string HookRate(string id, long minute) => $"wh:hook:{id}:rate:{minute}";
}
