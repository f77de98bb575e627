using System.Security.Claims;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Problems;
using ChatMesh.Chat.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Endpoints;

/// <summary>Outbound endpoint management: <c>/api/webhooks/endpoints</c>; the caller owns what it creates.</summary>
internal static class EndpointRoutes
{
    public static RouteGroupBuilder MapEndpointRoutes(this RouteGroupBuilder webhooks)
    {
        var endpoints = webhooks.MapGroup("/endpoints").WithTags("Endpoints");
        endpoints.MapPost("", Create).WithSummary("Registers an endpoint; the answer shows its signing secret, once.");
        endpoints.MapGet("", List).WithSummary("The caller's endpoints (without secrets).");
        endpoints.MapGet("/{id}", Get).WithSummary("One endpoint (without its secret).");
        endpoints.MapPut("/{id}", Update).WithSummary("Replaces an endpoint's URL, description, filters and enabled state.");
        endpoints.MapDelete("/{id}", Delete).WithSummary("Deletes an endpoint, its pending deliveries and its attempt log.");
        endpoints.MapPost("/{id}/secret/rotate", Rotate)
            .WithSummary("A new secret, shown once; the old one keeps signing too for Integration:SecretRotationOverlap.");
        return webhooks;
    }

    internal static async Task<Results<Created<EndpointResponse>, ProblemHttpResult>> Create(
        EndpointRequest? request, ClaimsPrincipal user, EndpointStore store, EndpointRequestValidator validator,
        IOptions<IntegrationOptions> options, TimeProvider time, CancellationToken cancellationToken)
    {
        if (request?.Url is null)
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with 'url' (and optionally description, eventTypes, rooms, enabled).");
        }

        var owner = user.GetUserId();
        if (await validator.CheckAsync(owner, request, cancellationToken) is { } refused)
        {
            return IntegrationProblems.Refused(refused);
        }

        var max = options.Value.MaxEndpointsPerUser;
        if (await store.CountAsync(owner) >= max)
        {
            return IntegrationProblems.LimitReached("endpoints", max);
        }

        var now = time.GetUtcNow();
        var endpoint = new WebhookEndpoint(
            EndpointStore.NewId(), owner, request.Url, request.Description, Distinct(request.EventTypes), Distinct(request.Rooms),
            request.Enabled ?? true, null, now, null, WebhookSecret.Generate().Encode(), null, null);
        await store.SaveAsync(endpoint);
        return TypedResults.Created($"{IntegrationPaths.Endpoints}/{endpoint.Id}", EndpointResponse.From(endpoint, now, withSecret: true));
    }

    internal static async Task<Ok<EndpointResponse[]>> List(ClaimsPrincipal user, EndpointStore store, TimeProvider time) =>
        TypedResults.Ok((await store.ListAsync(user.GetUserId())).Select(endpoint => EndpointResponse.From(endpoint, time.GetUtcNow())).ToArray());

    internal static async Task<Results<Ok<EndpointResponse>, ProblemHttpResult>> Get(
        string id, ClaimsPrincipal user, EndpointStore store, TimeProvider time) =>
        await store.GetOwnedAsync(user.GetUserId(), id) is { } endpoint
            ? TypedResults.Ok(EndpointResponse.From(endpoint, time.GetUtcNow()))
            : IntegrationProblems.EndpointNotFound();

    internal static async Task<Results<Ok<EndpointResponse>, ProblemHttpResult>> Update(
        string id, EndpointRequest? request, ClaimsPrincipal user, EndpointStore store, EndpointRequestValidator validator,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var owner = user.GetUserId();
        if (await store.GetOwnedAsync(owner, id) is not { } endpoint)
        {
            return IntegrationProblems.EndpointNotFound();
        }

        if (request?.Url is null)
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with 'url' (and optionally description, eventTypes, rooms, enabled).");
        }

        if (await validator.CheckAsync(owner, request, cancellationToken) is { } refused)
        {
            return IntegrationProblems.Refused(refused);
        }

        var enabled = request.Enabled ?? endpoint.Enabled;
        var updated = endpoint with
        {
            Url = request.Url,
            Description = request.Description,
            EventTypes = Distinct(request.EventTypes),
            Rooms = Distinct(request.Rooms),
            Enabled = enabled,
            DisabledReason = enabled ? null : endpoint.DisabledReason ?? "user",
            FailingSince = enabled && !endpoint.Enabled ? null : endpoint.FailingSince,
        };
        await store.SaveAsync(updated);
        return TypedResults.Ok(EndpointResponse.From(updated, time.GetUtcNow()));
    }

    internal static async Task<Results<NoContent, ProblemHttpResult>> Delete(string id, ClaimsPrincipal user, EndpointStore store)
    {
        if (await store.GetOwnedAsync(user.GetUserId(), id) is not { } endpoint)
        {
            return IntegrationProblems.EndpointNotFound();
        }

        await store.DeleteAsync(endpoint);
        return TypedResults.NoContent();
    }

    internal static async Task<Results<Ok<EndpointResponse>, ProblemHttpResult>> Rotate(
        string id, ClaimsPrincipal user, EndpointStore store, IOptions<IntegrationOptions> options, TimeProvider time)
    {
        if (await store.GetOwnedAsync(user.GetUserId(), id) is not { } endpoint)
        {
            return IntegrationProblems.EndpointNotFound();
        }

        var now = time.GetUtcNow();
        var rotated = endpoint with
        {
            Secret = WebhookSecret.Generate().Encode(),
            PreviousSecret = endpoint.Secret,
            PreviousSecretExpiresAt = now + options.Value.SecretRotationOverlap,
        };
        await store.SaveAsync(rotated);
        return TypedResults.Ok(EndpointResponse.From(rotated, now, withSecret: true));
    }

    private static string[]? Distinct(string[]? values) => values is null ? null : [.. values.Distinct(StringComparer.Ordinal)];
}
