using System.Net.Http.Headers;
using ChatMesh.Client.Channels;

namespace ChatMesh.Client;

/// <summary>Attachments (docs/protocol.md "Attachments"): upload into a room, post a message that references them, download.</summary>
public sealed partial class ChatMeshClient
{
    /// <summary>
    /// Uploads <paramref name="content"/> into <paramref name="room"/> as <paramref name="fileName"/> (one request within
    /// <see cref="ChatMeshClientOptions.RequestTimeout"/>, not retried: the stream is read once). The upload is pending —
    /// only this user sees it — until a message references it (<see cref="SendAsync(string, string?, IEnumerable{string}, CancellationToken)"/>).
    /// Refusals: <c>not_member</c>, <c>payload_too_large</c>, <c>unsupported_media_type</c>, <c>content_type_mismatch</c>, <c>empty_file</c>.
    /// </summary>
    /// <remarks><c>contentType</c> is the type to declare, or null: the server decides the type from the bytes, and refuses a declared image type the bytes are not.</remarks>
    public Task<ChatAttachment> UploadAsync(string room, Stream content, string fileName, string? contentType = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(content);
        Required(fileName);
        var path = $"{RestApi.Room(Required(room))}/attachments";
        return WithinTimeoutAsync(HttpMethod.Post, path, async cancel =>
        {
            using var form = new MultipartFormDataContent();
            var file = new StreamContent(content);
            if (contentType is not null)
            {
                file.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
            }

            form.Add(file, "file", fileName);
            using var request = _rest.Authorized(HttpMethod.Post, path);
            request.Content = form;
            using var body = await _rest.SendAsync(request, cancel).ConfigureAwait(false);
            return ChatAttachment.Parse(body.RootElement);
        }, cancellationToken);
    }

    /// <summary>
    /// Posts a message with the user's uploads <paramref name="attachmentIds"/> (<see cref="ChatAttachment.Id"/>; the text
    /// may then be empty), with the same idempotency key and retries as <see cref="SendAsync(string, string, CancellationToken)"/>.
    /// </summary>
    public Task<long> SendAsync(string room, string? text, IEnumerable<string> attachmentIds, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(attachmentIds);
        List<string> ids = [.. attachmentIds];
        foreach (var id in ids)
        {
            ArgumentException.ThrowIfNullOrEmpty(id, nameof(attachmentIds));
        }

        return SendCoreAsync(room, text ?? "", ids, cancellationToken);
    }

    /// <summary>
    /// Downloads attachment <paramref name="attachmentId"/> of <paramref name="room"/> into <paramref name="destination"/>
    /// (within <see cref="ChatMeshClientOptions.RequestTimeout"/>); <c>attachment_not_found</c> for a file the user may not
    /// see (not a member, someone else's pending upload, its message deleted).
    /// </summary>
    public Task<ChatFile> DownloadAsync(string room, string attachmentId, Stream destination, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(destination);
        var path = $"/files/{Uri.EscapeDataString(Required(room))}/{Uri.EscapeDataString(Required(attachmentId))}";
        return WithinTimeoutAsync(HttpMethod.Get, path, async cancel =>
        {
            using var request = _rest.Authorized(HttpMethod.Get, path);
            using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancel).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw await Problems.ReadAsync(response, cancel).ConfigureAwait(false);
            }

            var length = 0L;
            using (var source = await response.Content.ReadAsStreamAsync(cancel).ConfigureAwait(false))
            {
                var buffer = new byte[81920];
                int read;
                while ((read = await source.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
                {
                    await destination.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                    length += read;
                }
            }

            var disposition = response.Content.Headers.ContentDisposition;
            var name = disposition?.FileNameStar ?? disposition?.FileName?.Trim('"');
            return new ChatFile(response.Content.Headers.ContentType?.MediaType, name, length);
        }, cancellationToken);
    }
}
