using System.Net.Http.Headers;
using System.Text;
using ChatMesh.Chat.Attachments;
using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Rooms;
using ChatMesh.Chat.Tests.Redis;
using ChatMesh.Chat.Webhooks;
using ChatMesh.Integration.Inbound;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace ChatMesh.Integration.Tests.Inbound;

/// <summary>
/// Files posted to an inbound hook (<c>multipart/form-data</c>: a <c>payload_json</c> part and file parts) land in the
/// room as one message of the bot that references them, stored under the gateway's rules in the same store. Not run in
/// parallel with other classes: one test counts the bytes the process allocates while a post is received.
/// </summary>
[Collection(nameof(HookFileTests))]
[CollectionDefinition(nameof(HookFileTests), DisableParallelization = true)]
public sealed class HookFileTests : IDisposable
{
    private static readonly byte[] Png =
    [
        0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R', 0, 0, 0, 40, 0, 0, 0, 30, 8, 6, 0, 0, 0,
    ];

    private readonly string suffix = Guid.NewGuid().ToString("N")[..10];
    private readonly string root = Directory.CreateTempSubdirectory("chatmesh-hookfiles-").FullName;
    private readonly RedisChatService chat;
    private readonly InboundHookStore hooks;
    private readonly FileSystemAttachmentStore store;
    private readonly AttachmentIntake intake;

    public HookFileTests(RedisServerFixture redis)
    {
        chat = new RedisChatService(redis.Connection, Options.Create(new ChatOptions()), TimeProvider.System);
        hooks = new InboundHookStore(redis.Connection, TimeProvider.System);
        store = new FileSystemAttachmentStore(root);
        intake = new AttachmentIntake(store, chat, new BlobIndex(redis.Connection, TimeProvider.System),
            Options.Create(new AttachmentOptions { Directory = root }));
    }

    private static CancellationToken Token => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_post_with_payload_json_and_two_files_is_one_bot_message_whose_files_members_can_open()
    {
        var (owner, room, hook, token) = await HookAsync(secret: null);
        var notes = Encoding.UTF8.GetBytes($"build {suffix} passed\n");
        using var form = Form("""{"text":"build report","username":"CI"}""", ("file1", "chart.png", Png, "image/png"), ("file2", "log.txt", notes, null));

        var result = await ReceiveAsync(token, form);

        var created = Assert.IsType<Created<HookPostResponse>>(result);
        var message = Assert.Single((await chat.GetHistoryAsync(owner, room, null, null, 10, Token)).Messages);
        Assert.Equal(created.Value!.Id, message.Id);
        Assert.Equal((hook.BotId, "build report"), (message.Author, message.Text));
        Assert.Collection(message.Attachments!,
            png => Assert.Equal(("chart.png", "image/png", 40, 30), (png.Name, png.ContentType, png.Width!.Value, png.Height!.Value)),
            text => Assert.Equal(("log.txt", "text/plain", (long)notes.Length), (text.Name, text.ContentType, text.Size)));

        // What the gateway's download finds for a member: the attachment, and its bytes in the shared store.
        var found = await chat.FindAttachmentAsync(owner, room, message.Attachments![1].Id, Token);
        Assert.NotNull(found);
        await using var bytes = await store.OpenReadAsync(found.Sha256, Token);
        using var copy = new MemoryStream();
        await bytes!.CopyToAsync(copy, Token);
        Assert.Equal(notes, copy.ToArray());
    }

    [Fact]
    public async Task Files_alone_need_no_payload_and_the_hook_name_is_the_username()
    {
        var (owner, room, hook, token) = await HookAsync(secret: null);
        using var form = Form(null, ("files[0]", "notes.txt", "just a file\n"u8.ToArray(), "text/plain"));

        Assert.IsType<Created<HookPostResponse>>(await ReceiveAsync(token, form));
        var message = Assert.Single((await chat.GetHistoryAsync(owner, room, null, null, 10, Token)).Messages);
        Assert.Equal("", message.Text);
        Assert.Equal("notes.txt", Assert.Single(message.Attachments!).Name);
        Assert.Equal(hook.BotId, message.Author);
    }

    [Theory]
    [InlineData("page.html", "<!doctype html><script>alert(1)</script>", "text/html", 415, "unsupported_media_type")]
    [InlineData("fake.png", "not an image at all", "image/png", 415, "content_type_mismatch")]
    [InlineData("empty.txt", "", "text/plain", 400, "empty_file")]
    [InlineData("..", "a name with nothing left", "text/plain", 400, "invalid_argument")]
    public async Task A_file_the_gateway_would_refuse_is_refused_with_the_same_problem_and_nothing_is_posted(
        string name, string content, string declared, int status, string error)
    {
        var (owner, room, _, token) = await HookAsync(secret: null);
        using var form = Form("""{"text":"look"}""", ("file", name, Encoding.UTF8.GetBytes(content), declared));

        var problem = Assert.IsType<ProblemHttpResult>(await ReceiveAsync(token, form));

        Assert.Equal((status, error), (problem.StatusCode, (string)problem.ProblemDetails.Extensions["error"]!));
        Assert.Empty((await chat.GetHistoryAsync(owner, room, null, null, 10, Token)).Messages);
    }

    [Fact]
    public async Task A_multipart_post_with_neither_text_nor_a_file_or_with_bad_payload_json_is_an_invalid_request()
    {
        var (_, _, _, token) = await HookAsync(secret: null);
        using var empty = Form("""{"username":"CI"}""");
        using var broken = Form("{not json", ("file", "a.txt", "a\n"u8.ToArray(), null));

        foreach (var form in new[] { empty, broken })
        {
            var problem = Assert.IsType<ProblemHttpResult>(await ReceiveAsync(token, form));
            Assert.Equal((400, "invalid_request"), (problem.StatusCode, (string)problem.ProblemDetails.Extensions["error"]!));
        }
    }

    [Fact]
    public async Task A_signed_hook_verifies_the_whole_multipart_body_before_storing_anything()
    {
        var secret = WebhookSecret.Generate();
        var (owner, room, _, token) = await HookAsync(secret);
        using var form = Form("""{"text":"signed"}""", ("file", "a.txt", "signed file\n"u8.ToArray(), null));
        var body = await form.ReadAsByteArrayAsync(Token);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var unsigned = Assert.IsType<ProblemHttpResult>(await ReceiveAsync(token, form, body));
        Assert.Equal(401, unsigned.StatusCode);
        var tampered = body.ToArray();
        tampered[^10] ^= 1;
        var wrong = Assert.IsType<ProblemHttpResult>(await ReceiveAsync(token, form, tampered, ("msg_1", now, StandardWebhooks.Sign(secret, "msg_1", now, body))));
        Assert.Equal(401, wrong.StatusCode);
        Assert.Empty((await chat.GetHistoryAsync(owner, room, null, null, 10, Token)).Messages);

        Assert.IsType<Created<HookPostResponse>>(await ReceiveAsync(token, form, body, ("msg_2", now, StandardWebhooks.Sign(secret, "msg_2", now, body))));
        Assert.Equal("a.txt", Assert.Single(Assert.Single((await chat.GetHistoryAsync(owner, room, null, null, 10, Token)).Messages).Attachments!).Name);
    }

    [Fact]
    public async Task A_signed_post_near_the_multipart_limit_is_posted_and_never_held_whole_in_memory()
    {
        var secret = WebhookSecret.Generate();
        var (owner, room, _, token) = await HookAsync(secret);
        // Three files just under the file limit: the body is within 1 MiB of Integration:Inbound:MaxMultipartBytes (25 MiB).
        var limit = new IntegrationOptions().Inbound.MaxMultipartBytes;
        const int FileBytes = 8 * 1024 * 1024 + 200 * 1024;
        var files = Enumerable.Range(0, 3).Select(i => ($"file{i}", $"part{i}.txt", Text(FileBytes, (char)('a' + i)), (string?)"text/plain")).ToArray();
        using var form = Form("""{"text":"big build logs"}""", files);
        var body = await form.ReadAsByteArrayAsync(Token);
        Assert.InRange(body.Length, limit - 1024 * 1024, limit);
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var signature = ("msg_big", now, StandardWebhooks.Sign(secret, "msg_big", now, body));

        var before = GC.GetTotalAllocatedBytes(precise: true);
        var result = await ReceiveAsync(token, form, body, signature);
        var allocated = GC.GetTotalAllocatedBytes(precise: true) - before;

        Assert.IsType<Created<HookPostResponse>>(result);
        var message = Assert.Single((await chat.GetHistoryAsync(owner, room, null, null, 10, Token)).Messages);
        Assert.Equal(["part0.txt", "part1.txt", "part2.txt"], message.Attachments!.Select(a => a.Name));
        Assert.All(message.Attachments!, a => Assert.Equal(FileBytes, a.Size));
        // The signature check and the multipart reader stream the spool file: a few buffers, not the 24.6 MiB body (reading
        // it whole for the HMAC allocated the body twice over).
        Assert.True(allocated < 4 * 1024 * 1024, $"receiving a {body.Length}-byte post allocated {allocated} bytes");
        Assert.Empty(Directory.EnumerateFiles(store.SpoolDirectory));
    }

    [Theory]
    [InlineData("signed over another body", 401, "signature_invalid")]
    [InlineData("cut off, signed over the whole body", 401, "signature_invalid")]
    [InlineData("one byte over the limit", 413, "payload_too_large")]
    public async Task A_hostile_signed_multipart_post_gets_its_documented_problem_keeps_nothing_and_posts_nothing(
        string hostile, int status, string error)
    {
        var secret = WebhookSecret.Generate();
        var (owner, room, _, token) = await HookAsync(secret);
        var limits = new IntegrationOptions { Inbound = { MaxMultipartBytes = 256 * 1024 } };
        using var form = Form("""{"text":"hostile"}""", ("file", "a.txt", Text(128 * 1024, 'x'), "text/plain"));
        var whole = await form.ReadAsByteArrayAsync(Token);
        var (sent, signedOver) = hostile switch
        {
            "signed over another body" => (whole, whole.Select(b => b == (byte)'x' ? (byte)'y' : b).ToArray()),
            "cut off, signed over the whole body" => (whole[..(whole.Length / 2)], whole),
            _ => (Pad(whole, (int)limits.Inbound.MaxMultipartBytes + 1), Pad(whole, (int)limits.Inbound.MaxMultipartBytes + 1)),
        };
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

        var problem = Assert.IsType<ProblemHttpResult>(await ReceiveAsync(token, form, sent, ("msg_h", now, StandardWebhooks.Sign(secret, "msg_h", now, signedOver)), limits));

        Assert.Equal((status, error), (problem.StatusCode, (string)problem.ProblemDetails.Extensions["error"]!));
        Assert.Empty((await chat.GetHistoryAsync(owner, room, null, null, 10, Token)).Messages);
        Assert.Empty(Directory.EnumerateFiles(store.SpoolDirectory));
        Assert.False(Directory.Exists(Path.Combine(root, "sha256")), "a refused post stored a file");
    }

    public void Dispose() => Directory.Delete(root, recursive: true);

    private async Task<(string Owner, string Room, InboundHook Hook, string Token)> HookAsync(WebhookSecret? secret)
    {
        var owner = $"owner-{suffix}";
        var room = $"hooked-{Guid.NewGuid():N}"[..30];
        await chat.CreateRoomAsync(owner, room, "hooked", RoomKind.Public, null, Token);
        var token = InboundHook.NewToken();
        var hook = new InboundHook(InboundHook.NewId(), owner, room, "builds", InboundHook.HashToken(token), secret?.Encode(), DateTimeOffset.UtcNow);
        await chat.JoinRoomAsync(hook.BotId, room, Token);
        await hooks.SaveAsync(hook);
        return (owner, room, hook, token);
    }

    private static MultipartFormDataContent Form(string? payload, params (string Part, string Name, byte[] Bytes, string? Type)[] files)
    {
        var form = new MultipartFormDataContent();
        if (payload is not null)
        {
            form.Add(new StringContent(payload, Encoding.UTF8, "application/json"), "payload_json");
        }

        foreach (var (part, name, bytes, type) in files)
        {
            var file = new ByteArrayContent(bytes);
            if (type is not null)
            {
                file.Headers.ContentType = MediaTypeHeaderValue.Parse(type);
            }

            file.Headers.ContentDisposition = new ContentDispositionHeaderValue("form-data") { Name = $"\"{part}\"", FileName = $"\"{name}\"" };
            form.Add(file);
        }

        return form;
    }

    private static byte[] Text(int length, char fill) =>
        Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(new string(fill, 63) + "\n", length / 64 + 1))[..length]);

    /// <summary>The multipart body with padding before its preamble (ignored by the reader) up to <paramref name="length"/> bytes.</summary>
    private static byte[] Pad(byte[] body, int length) => [.. Enumerable.Repeat((byte)' ', length - body.Length), .. body];

    private async Task<IResult> ReceiveAsync(
        string token, MultipartFormDataContent form, byte[]? body = null, (string Id, long At, string Signature)? signature = null,
        IntegrationOptions? options = null)
    {
        body ??= await form.ReadAsByteArrayAsync(Token);
        var http = new DefaultHttpContext();
        http.Request.Method = "POST";
        http.Request.ContentType = form.Headers.ContentType!.ToString();
        http.Request.ContentLength = body.Length;
        http.Request.Body = new MemoryStream(body);
        if (signature is { } signed)
        {
            http.Request.Headers[StandardWebhooks.IdHeader] = signed.Id;
            http.Request.Headers[StandardWebhooks.TimestampHeader] = signed.At.ToString(System.Globalization.CultureInfo.InvariantCulture);
            http.Request.Headers[StandardWebhooks.SignatureHeader] = signed.Signature;
        }

        return await HookReceiver.ReceiveAsync(token, http, hooks, chat, intake, store, Options.Create(options ?? new IntegrationOptions()),
            Options.Create(new ChatOptions()), TimeProvider.System, Token);
    }
}
