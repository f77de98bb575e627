using System.Buffers;
using System.Text.Json;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Problems;
using ChatMesh.Chat.Webhooks;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Inbound;

/// <summary>
/// <c>POST /hooks/{token}</c>: anonymous (the token is the credential). Order of checks: body cap (413), token (404), rate
/// (429), signature when the hook has a secret (401), JSON (400), the creator's membership (403); answered 201 only once
/// the message is durable. <c>Idempotency-Key</c>, else <c>webhook-id</c>, dedupes retries (200 with the original id).
/// </summary>
internal static class HookReceiver
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapHookReceiver(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(IntegrationPaths.Hooks + "/{token}", ReceiveAsync)
            .AllowAnonymous()
            .WithTags("Incoming hooks")
            .WithSummary("Posts {\"text\", \"username\"} into the hook's room as its bot.")
            .DisableAntiforgery();
        return routes;
    }

    internal static async Task<IResult> ReceiveAsync(
        string token, HttpContext context, InboundHookStore store, IChatService chat, IOptions<IntegrationOptions> options,
        TimeProvider time, CancellationToken cancellationToken)
    {
        var limits = options.Value.Inbound;
        var body = await ReadBodyAsync(context, limits.MaxBodyBytes, cancellationToken);
        if (body is null)
        {
            return ChatProblems.PayloadTooLarge(limits.MaxBodyBytes);
        }

        if (await store.FindByTokenAsync(token) is not { } hook)
        {
            return IntegrationProblems.HookNotFound();
        }

        if (await store.TakeAsync(hook.Id, limits.PerMinute) is { } wait)
        {
            context.Response.Headers.RetryAfter = ((int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture);
            return ChatProblems.Create(StatusCodes.Status429TooManyRequests, IntegrationErrors.RateLimited,
                $"This hook takes at most {limits.PerMinute} posts a minute.");
        }

        if (hook.Secret is { } secret)
        {
            var verification = new WebhookVerifier(time).Verify(context.Request.Headers, body, WebhookSecret.Parse(secret));
            if (!verification.IsValid)
            {
                return ChatProblems.Create(StatusCodes.Status401Unauthorized, IntegrationErrors.SignatureInvalid,
                    $"Standard Webhooks verification failed: {verification.Failure}.");
            }
        }

        HookPost? post;
        try
        {
            post = JsonSerializer.Deserialize<HookPost>(body, Json);
        }
        catch (JsonException)
        {
            post = null;
        }

        if (post?.Text is not { } text)
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with 'text' (and optionally 'username').");
        }

        var key = IdempotencyKey(context.Request.Headers);
        if (key is { Length: 0 or > 128 } || key?.Any(c => c is < ' ' or > '~') == true)
        {
            return ChatProblems.InvalidRequest("Idempotency-Key (or webhook-id) must be 1–128 printable ASCII characters.");
        }

        if (!await chat.IsMemberAsync(hook.Owner, hook.Room, cancellationToken))
        {
            throw new ChatException(ChatError.NotMember, $"The hook's creator {hook.Owner} is no longer a member of {hook.Room}.");
        }

        var result = await chat.PostBotMessageAsync(hook.BotId, hook.Room, text, post.Username ?? hook.Name, key, cancellationToken);
        var response = new HookPostResponse(result.EventId, result.Duplicate);
        return result.Duplicate ? TypedResults.Ok(response) : TypedResults.Created((string?)null, response);
    }

    private static string? IdempotencyKey(IHeaderDictionary headers)
    {
        var key = headers["Idempotency-Key"].ToString();
        if (key.Length == 0)
        {
            key = headers[StandardWebhooks.IdHeader].ToString();
        }

        return key.Length == 0 ? null : key;
    }

    /// <summary>The whole body, or null when it exceeds <paramref name="maxBytes"/> (declared or actual).</summary>
    private static async Task<byte[]?> ReadBodyAsync(HttpContext context, long maxBytes, CancellationToken cancellationToken)
    {
        if (context.Request.ContentLength > maxBytes)
        {
            return null;
        }

        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = maxBytes + 1;
        }

        var buffer = new ArrayBufferWriter<byte>(4096);
        try
        {
            while (true)
            {
                var memory = buffer.GetMemory(4096);
                var read = await context.Request.Body.ReadAsync(memory, cancellationToken);
                if (read == 0)
                {
                    return buffer.WrittenSpan.ToArray();
                }

                buffer.Advance(read);
                if (buffer.WrittenCount > maxBytes)
                {
                    return null;
                }
            }
        }
        catch (BadHttpRequestException exception) when (exception.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
    }
}
