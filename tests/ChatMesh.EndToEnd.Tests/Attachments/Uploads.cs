using System.Net.Http.Headers;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;

namespace ChatMesh.EndToEnd.Tests.Attachments;

/// <summary>Uploads, downloads and attachment posts of an <see cref="ApiUser"/>, as a client sends them.</summary>
internal static class Uploads
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Signs in through the edge, where browsers meet the service.</summary>
    public static Task<ApiUser> SignInAsync(ChatMeshAppFixture fixture, string prefix) => ApiUser.SignInAsync(fixture, prefix, "web");

    /// <summary>POSTs one multipart part named <paramref name="part"/> with the given file name and declared type.</summary>
    public static async Task<HttpResponseMessage> UploadRawAsync(
        this ApiUser user, string room, byte[] bytes, string? name, string? declaredType, string part = "file")
    {
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(bytes);
        if (declaredType is not null)
        {
            file.Headers.ContentType = MediaTypeHeaderValue.Parse(declaredType);
        }

        // Set by hand so a test can send any name, even one HttpClient would clean.
        file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = $"\"{part}\"" };
        if (name is not null)
        {
            file.Headers.ContentDisposition.FileName = $"\"{name}\"";
        }

        form.Add(file);
        return await user.Client.PostAsync(new Uri($"/api/rooms/{Uri.EscapeDataString(room)}/attachments", UriKind.Relative), form, Cancel);
    }

    /// <summary>Uploads and asserts 201; returns the attachment as the server describes it.</summary>
    public static async Task<JsonElement> UploadAsync(this ApiUser user, string room, byte[] bytes, string name, string? declaredType = null)
    {
        using var response = await user.UploadRawAsync(room, bytes, name, declaredType);
        var attachment = await Json.ReadAsync(response, HttpStatusCode.Created);
        Assert.Equal(Path(room, attachment.GetProperty("id").GetString()!), response.Headers.Location?.OriginalString);
        return attachment;
    }

    public static string Path(string room, string id) => $"/files/{Uri.EscapeDataString(room)}/{id}";

    public static Task<HttpResponseMessage> DownloadAsync(this ApiUser user, string room, string id) =>
        user.Client.GetAsync(new Uri(Path(room, id), UriKind.Relative), Cancel);

    public static Task<HttpResponseMessage> PostWithAttachmentsAsync(this ApiUser user, string room, string? text, params string[] ids) =>
        user.PostAsync($"/api/rooms/{Uri.EscapeDataString(room)}/messages", new { text, attachments = ids });

    public static async Task<long> PostAttachedAsync(this ApiUser user, string room, string? text, params string[] ids)
    {
        using var response = await user.PostWithAttachmentsAsync(room, text, ids);
        return (await Json.ReadAsync(response, HttpStatusCode.Created)).GetProperty("id").GetInt64();
    }

    public static string Id(this JsonElement attachment) => attachment.GetProperty("id").GetString()!;
}
