using System.Text.Json;
using ChatMesh.Chat.Attachments;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Problems;
using ChatMesh.Chat.Webhooks;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatMesh.Integration.Inbound;

/// <summary>
/// <c>POST /hooks/{token}</c>: anonymous (the token is the credential). Order of checks: body cap (413), token (404), rate
/// (429), signature when the hook has a secret (401), JSON (400), the creator's membership (403); answered 201 only once
/// the message is durable. <c>Idempotency-Key</c>, else <c>webhook-id</c>, dedupes retries (200 with the original id).
/// A <c>multipart/form-data</c> body carries files too (<see cref="ReceiveFilesAsync"/>).
/// </summary>
internal static class HookReceiver
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static IEndpointRouteBuilder MapHookReceiver(this IEndpointRouteBuilder routes)
    {
        routes.MapPost(IntegrationPaths.Hooks + "/{token}", ReceiveAsync)
            // The cap of this post's kind; the boundary also answers a malformed multipart body (400) and Kestrel's refusals.
            .WithRequestBoundaryPerRequest(CapOf)
            .AllowAnonymous()
            .WithTags("Incoming hooks")
            .WithSummary("Posts {\"text\", \"username\"} (or multipart: 'payload_json' and file parts) into the hook's room as its bot.")
            .DisableAntiforgery();
        return routes;
    }

    internal static async Task<IResult> ReceiveAsync(
        string token, HttpContext context, InboundHookStore store, IChatService chat, AttachmentIntake intake, IAttachmentStore files,
        IOptions<IntegrationOptions> options, IOptions<ChatOptions> chatOptions, TimeProvider time, CancellationToken cancellationToken)
    {
        var limits = options.Value.Inbound;
        var boundary = MultipartBoundary(context.Request);
        var cap = CapOf(limits, boundary);
        using var body = await HookBody.ReadAsync(context, cap, boundary is null ? null : files.SpoolDirectory, cancellationToken);
        if (body is null)
        {
            return ChatProblems.PayloadTooLarge(cap);
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
            // The signature covers the raw body, multipart or not, read as a stream: a spooled body is never held whole.
            WebhookVerificationResult verification;
            await using (var signed = body.OpenRead())
            {
                verification = await new WebhookVerifier(time).VerifyAsync(context.Request.Headers, signed, [WebhookSecret.Parse(secret)], cancellationToken);
            }

            if (!verification.IsValid)
            {
                return ChatProblems.Create(StatusCodes.Status401Unauthorized, IntegrationErrors.SignatureInvalid,
                    $"Standard Webhooks verification failed: {verification.Failure}.");
            }
        }

        if (boundary is not null)
        {
            return await ReceiveFilesAsync(hook, boundary, body, context, chat, intake, limits, chatOptions.Value.Attachments.MaxPerMessage, cancellationToken);
        }

        HookPost? post;
        try
        {
            post = JsonSerializer.Deserialize<HookPost>(body.Bytes, Json);
        }
        catch (JsonException)
        {
            post = null;
        }

        if (post?.Text is not { } text)
        {
            return ChatProblems.InvalidRequest("The body must be a JSON object with 'text' (and optionally 'username').");
        }

        if (BadIdempotencyKey(context.Request.Headers, out var key) is { } badKey)
        {
            return badKey;
        }

        await RequireCreatorAsync(hook, chat, cancellationToken);
        return Answer(await chat.PostBotMessageAsync(hook.BotId, hook.Room, text, post.Username ?? hook.Name, key, cancellationToken));
    }

    /// <summary>
    /// A <c>multipart/form-data</c> post (as Discord's and Mattermost's incoming webhooks take files): an optional
    /// <c>payload_json</c> part holding <c>{"text","username"}</c>, and file parts (any part with a <c>filename</c>) stored
    /// as the bot's uploads under the gateway's rules, then posted as one message that references them.
    /// </summary>
    private static async Task<IResult> ReceiveFilesAsync(
        InboundHook hook, string boundary, HookBody body, HttpContext context, IChatService chat, AttachmentIntake intake,
        InboundOptions limits, int maxFiles, CancellationToken cancellationToken)
    {
        if (BadIdempotencyKey(context.Request.Headers, out var key) is { } badKey)
        {
            return badKey;
        }

        // Before any file is stored: a refused post keeps nothing it need not.
        await RequireCreatorAsync(hook, chat, cancellationToken);
        await using var content = body.OpenRead();
        var reader = new MultipartReader(boundary, content) { HeadersLengthLimit = 16 * 1024 };
        // A bad section ends in MalformedMultipartException, answered 400 by the route's request boundary. Files stored
        // before it stay pending uploads nobody can reference: they expire (PendingTtl).
        return await ReadSectionsAsync(hook, reader, key, chat, intake, limits, maxFiles, cancellationToken);
    }

    private static async Task<IResult> ReadSectionsAsync(
        InboundHook hook, MultipartReader reader, string? key, IChatService chat, AttachmentIntake intake, InboundOptions limits, int maxFiles,
        CancellationToken cancellationToken)
    {
        HookPost? post = null;
        var attachments = new List<string>();
        for (var section = await MultipartSections.NextAsync(reader, cancellationToken); section is not null;
             section = await MultipartSections.NextAsync(reader, cancellationToken))
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition))
            {
                continue;
            }

            if (disposition.IsFileDisposition())
            {
                if (attachments.Count == maxFiles)
                {
                    throw new ChatException(ChatError.TooManyAttachments, $"A message may reference at most {maxFiles} attachments.");
                }

                var (attachment, problem) = await intake.StoreAsync(hook.BotId, hook.Room, AttachmentIntake.FileNameOf(disposition),
                    section.ContentType, MultipartSections.BodyOf(section), cancellationToken);
                if (problem is not null)
                {
                    return problem;
                }

                attachments.Add(attachment!.Id);
            }
            else if (string.Equals(disposition.Name.Value, PayloadPart, StringComparison.Ordinal))
            {
                if (post is not null)
                {
                    return ChatProblems.InvalidRequest($"Send the '{PayloadPart}' part once.");
                }

                if (await ReadPartAsync(MultipartSections.BodyOf(section), limits.MaxBodyBytes, cancellationToken) is not { } json)
                {
                    return ChatProblems.PayloadTooLarge(limits.MaxBodyBytes);
                }

                try
                {
                    post = JsonSerializer.Deserialize<HookPost>(json, Json);
                }
                catch (JsonException)
                {
                    post = null;
                }

                if (post is null)
                {
                    return ChatProblems.InvalidRequest($"The '{PayloadPart}' part must be a JSON object with 'text' and/or 'username'.");
                }
            }
        }

        if (post?.Text is null && attachments.Count == 0)
        {
            return ChatProblems.InvalidRequest($"A multipart post needs a file part (with a filename) or a '{PayloadPart}' part with 'text'.");
        }

        return Answer(await chat.PostBotMessageAsync(hook.BotId, hook.Room, post?.Text, post?.Username ?? hook.Name, key, attachments,
            cancellationToken));
    }

    private const string PayloadPart = "payload_json";

    private static IResult Answer(CommitResult result)
    {
        var response = new HookPostResponse(result.EventId, result.Duplicate);
        return result.Duplicate ? TypedResults.Ok(response) : TypedResults.Created((string?)null, response);
    }

    private static async Task RequireCreatorAsync(InboundHook hook, IChatService chat, CancellationToken cancellationToken)
    {
        if (!await chat.IsMemberAsync(hook.Owner, hook.Room, cancellationToken))
        {
            throw new ChatException(ChatError.NotMember, $"The hook's creator {hook.Owner} is no longer a member of {hook.Room}.");
        }
    }

    private static ProblemHttpResult? BadIdempotencyKey(IHeaderDictionary headers, out string? key)
    {
        key = IdempotencyKey(headers);
        return key is { Length: 0 or > 128 } || key?.Any(c => c is < ' ' or > '~') == true
            ? ChatProblems.InvalidRequest("Idempotency-Key (or webhook-id) must be 1–128 printable ASCII characters.")
            : null;
    }

    /// <summary>The body cap of a hook post: <c>MaxMultipartBytes</c> for a multipart post, else <c>MaxBodyBytes</c>.</summary>
    private static long CapOf(HttpContext context) =>
        CapOf(context.RequestServices.GetRequiredService<IOptions<IntegrationOptions>>().Value.Inbound, MultipartBoundary(context.Request));

    private static long CapOf(InboundOptions limits, string? boundary) => boundary is null ? limits.MaxBodyBytes : limits.MaxMultipartBytes;

    /// <summary>The boundary of a <c>multipart/form-data</c> request, or null for any other body.</summary>
    private static string? MultipartBoundary(HttpRequest request) =>
        MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
        && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
        && HeaderUtilities.RemoveQuotes(type.Boundary) is { Length: > 0 and <= 200 } boundary
            ? boundary.ToString()
            : null;

    /// <summary>A part's bytes, or null when it is longer than <paramref name="maxBytes"/>.</summary>
    private static async Task<byte[]?> ReadPartAsync(Stream part, long maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[8192];
        int read;
        while ((read = await part.ReadAsync(chunk, cancellationToken)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                return null;
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.ToArray();
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
}
