using ChatMesh.Chat.Problems;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace ChatMesh.Chat.Attachments;

/// <summary>
/// Takes one uploaded file for a room, on every path that accepts files (the gateway's upload route, inbound hooks): the
/// name cleaned, the bytes spooled within <see cref="AttachmentOptions.MaxFileBytes"/>, the type decided from the bytes
/// and checked against the allowed ones, the blob claimed and stored, and the pending attachment recorded. A refusal is
/// a problem (docs/protocol.md, Attachments) and keeps nothing.
/// </summary>
public sealed class AttachmentIntake(IAttachmentStore store, IAttachmentRegistry registry, BlobIndex blobs, IOptions<AttachmentOptions> options)
{
    public AttachmentOptions Limits => options.Value;

    /// <summary>The file name a multipart part gives (<c>filename*</c> before <c>filename</c>), or null.</summary>
    public static string? FileNameOf(ContentDispositionHeaderValue disposition)
    {
        ArgumentNullException.ThrowIfNull(disposition);
        return disposition.FileNameStar.HasValue ? disposition.FileNameStar.Value : HeaderUtilities.RemoveQuotes(disposition.FileName).Value;
    }

    /// <summary>Stores <paramref name="body"/> as a pending upload of <paramref name="uploader"/> in <paramref name="room"/>.</summary>
    public async Task<(MessageAttachment? Attachment, ProblemHttpResult? Problem)> StoreAsync(
        string uploader, string room, string? givenName, string? declaredType, Stream body, CancellationToken cancellationToken)
    {
        var limits = options.Value;
        if (AttachmentNames.Clean(givenName, limits.MaxNameLength) is not { } name)
        {
            return (null, ChatProblems.InvalidArgument("The file needs a name (a path, control characters and '.' or '..' alone are not names)."));
        }

        SpooledUpload spooled;
        try
        {
            spooled = await UploadSpool.WriteAsync(body, store.SpoolDirectory, limits.MaxFileBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (UploadTooLargeException tooLarge)
        {
            return (null, ChatProblems.Create(StatusCodes.Status413PayloadTooLarge, ApiErrors.PayloadTooLarge, tooLarge.Message));
        }

        using (spooled)
        {
            if (spooled.Length == 0)
            {
                return (null, ChatProblems.Create(StatusCodes.Status400BadRequest, AttachmentErrors.EmptyFile, $"The file '{name}' is empty."));
            }

            var sniffed = ContentSniffer.Detect(spooled.Head);
            var declared = MediaTypeHeaderValue.TryParse(declaredType, out var type) ? type.MediaType.Value?.ToLowerInvariant() : null;
            if (declared is not null && ContentSniffer.InlineTypes.Contains(declared) && declared != sniffed.ContentType)
            {
                return (null, ChatProblems.Create(StatusCodes.Status415UnsupportedMediaType, AttachmentErrors.ContentTypeMismatch,
                    $"The file '{name}' was sent as {declared} but its content is {sniffed.ContentType}."));
            }

            if (!limits.EffectiveAllowedContentTypes.Contains(sniffed.ContentType))
            {
                return (null, ChatProblems.Create(StatusCodes.Status415UnsupportedMediaType, ApiErrors.UnsupportedMediaType,
                    $"Files of type {sniffed.ContentType} are not accepted; allowed: {string.Join(", ", limits.EffectiveAllowedContentTypes)}."));
            }

            // Claimed before the bytes are written, so a sweep cannot delete them between the write and the record.
            await blobs.ClaimAsync(spooled.Sha256, cancellationToken).ConfigureAwait(false);
            await store.PutAsync(spooled.Sha256, spooled.Path, spooled.Length, cancellationToken).ConfigureAwait(false);
            spooled.HandedOver = true;
            var attachment = new MessageAttachment(AttachmentIds.New(), name, spooled.Length, sniffed.ContentType, sniffed.Width, sniffed.Height);
            await registry.AddAttachmentAsync(uploader, room, new StoredAttachment(attachment, spooled.Sha256, uploader, null), cancellationToken)
                .ConfigureAwait(false);
            return (attachment, null);
        }
    }
}
