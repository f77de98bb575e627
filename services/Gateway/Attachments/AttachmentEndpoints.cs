using System.Security.Claims;
using ChatMesh.Chat.Attachments;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Problems;
using ChatMesh.Chat.Rooms;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatMesh.Gateway.Attachments;

/// <summary>Upload (<c>POST /api/rooms/{room}/attachments</c>, multipart) and download (<c>GET /files/{room}/{id}</c>).</summary>
internal static partial class AttachmentEndpoints
{
    public const string UploadPattern = "/api/rooms/{room}/attachments";
    public const string DownloadPrefix = AttachmentHttp.DownloadPrefix;

    // Room for the multipart boundaries and part headers around the file itself.
    private const long MultipartOverheadBytes = 64 * 1024;

    public static string DownloadPath(string room, string id) => $"{DownloadPrefix}/{Uri.EscapeDataString(room)}/{id}";

    public static IEndpointRouteBuilder MapAttachmentEndpoints(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapPost(UploadPattern, Upload)
            .RequireAuthorization()
            .WithRequestBoundary(services => services.GetRequiredService<IOptions<AttachmentOptions>>().Value.MaxFileBytes + MultipartOverheadBytes)
            .AddEndpointFilter<ChatExceptionFilter>()
            .DisableAntiforgery()
            .WithTags("Attachments")
            .WithSummary("Uploads one file (multipart/form-data, part 'file'); reference its id from a message to share it.");
        endpoints.MapGet(DownloadPrefix + "/{room}/{id}", Download)
            .RequireAuthorization()
            .AddEndpointFilter<ChatExceptionFilter>()
            .WithTags("Attachments")
            .WithSummary("Downloads an attachment of a room the caller is a member of (404 otherwise).");
        return endpoints;
    }

    internal static async Task<Results<Created<MessageAttachment>, ProblemHttpResult>> Upload(
        string room, HttpRequest request, ClaimsPrincipal user, IChatService chat, AttachmentIntake intake, CancellationToken cancellationToken)
    {
        var actor = user.GetUserId();
        // Refuse a non-member before reading a byte of the body.
        if (!await chat.IsMemberAsync(actor, room, cancellationToken))
        {
            throw new ChatException(ChatError.NotMember, $"not a member of {room}");
        }

        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType)
            || !mediaType.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase)
            || HeaderUtilities.RemoveQuotes(mediaType.Boundary) is not { Length: > 0 and <= 200 } boundary)
        {
            return ChatProblems.Create(StatusCodes.Status415UnsupportedMediaType, ApiErrors.UnsupportedMediaType,
                "Send the file as multipart/form-data with one part named 'file'.");
        }

        // A body that is not multipart after all ends in MalformedMultipartException: 400 from the request boundary.
        var reader = new MultipartReader(boundary.ToString(), request.Body) { HeadersLengthLimit = 16 * 1024 };
        for (var section = await MultipartSections.NextAsync(reader, cancellationToken); section is not null;
             section = await MultipartSections.NextAsync(reader, cancellationToken))
        {
            if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                || !disposition.IsFileDisposition() || !string.Equals(disposition.Name.Value, "file", StringComparison.Ordinal))
            {
                continue;
            }

            var (attachment, problem) = await intake.StoreAsync(actor, room, AttachmentIntake.FileNameOf(disposition), section.ContentType,
                MultipartSections.BodyOf(section), cancellationToken);
            return problem ?? (Results<Created<MessageAttachment>, ProblemHttpResult>)TypedResults.Created(DownloadPath(room, attachment!.Id), attachment);
        }

        return ChatProblems.InvalidRequest("The multipart body has no file part named 'file'.");
    }

    internal static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> Download(
        string room, string id, HttpContext context, ClaimsPrincipal user, IAttachmentRegistry registry, IAttachmentStore store,
        ILogger<AttachmentStoreLog> logger, CancellationToken cancellationToken)
    {
        var headers = context.Response.Headers;
        headers.XContentTypeOptions = "nosniff";
        headers.ContentSecurityPolicy = AttachmentHttp.DownloadContentSecurityPolicy;
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        // Revalidated on every use, so a deleted message's file stops showing from the cache too.
        headers.CacheControl = "private, no-cache";

        if (await registry.FindAttachmentAsync(user.GetUserId(), room, id, cancellationToken) is not { } found)
        {
            return NotFound();
        }

        if (await store.OpenReadAsync(found.Sha256, cancellationToken) is not { } content)
        {
            LogMissingBytes(logger, room, id, found.Sha256);
            return NotFound();
        }

        var attachment = found.Attachment;
        var inline = ContentSniffer.InlineTypes.Contains(attachment.ContentType);
        var disposition = new ContentDispositionHeaderValue(inline ? "inline" : "attachment");
        disposition.SetHttpFileName(attachment.Name);
        headers.ContentDisposition = disposition.ToString();
        return TypedResults.Stream(content, attachment.ContentType, entityTag: new EntityTagHeaderValue($"\"{found.Sha256}\""));
    }

    private static ProblemHttpResult NotFound() =>
        ChatProblems.Create(StatusCodes.Status404NotFound, AttachmentErrors.NotFound, "No such attachment.");

    [LoggerMessage(Level = LogLevel.Error, Message = "Attachment {Id} of {Room} is registered but its bytes {Sha256} are not in the store")]
    private static partial void LogMissingBytes(ILogger logger, string room, string id, string sha256);
}

/// <summary>The logger category of attachment storage problems.</summary>
internal sealed class AttachmentStoreLog;
