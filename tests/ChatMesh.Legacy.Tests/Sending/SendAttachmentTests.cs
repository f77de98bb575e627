using System.Reflection;
using System.Security.Claims;
using System.Text;
using ChatMesh.Chat.EventLog;
using ChatMesh.Legacy.Sending;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;

namespace ChatMesh.Legacy.Tests.Sending;

/// <summary>The long-poll send takes the ids of the sender's uploads as the WebSocket <c>send</c> does, in JSON and in forms.</summary>
public sealed class SendAttachmentTests
{
    private const string First = "0123456789abcdef0123456789abcdef";
    private const string Second = "fedcba9876543210fedcba9876543210";

    [Fact]
    public async Task A_json_send_passes_its_attachment_ids_in_order_and_needs_no_text()
    {
        var chat = RecordingChat.Create();
        var result = await SendEndpoints.Post("general", Json($$"""{"attachments":["{{First}}","{{Second}}"]}"""), User(), chat);

        var created = Assert.IsType<Created<PostMessageResponse>>(result.Result);
        Assert.Equal(7, created.Value!.Id);
        var call = Assert.Single(((RecordingChat)(object)chat).Posts);
        Assert.Equal(("alice", "general", (string?)null), (call.Actor, call.Room, call.Text));
        Assert.Equal([First, Second], call.Attachments);
    }

    [Fact]
    public async Task A_form_send_takes_one_attachments_field_per_id_beside_its_text()
    {
        var chat = RecordingChat.Create();
        var result = await SendEndpoints.Post("general", Form($"text=see+these&attachments={First}&attachments={Second}"), User(), chat);

        Assert.IsType<Created<PostMessageResponse>>(result.Result);
        var call = Assert.Single(((RecordingChat)(object)chat).Posts);
        Assert.Equal("see these", call.Text);
        Assert.Equal([First, Second], call.Attachments);
    }

    [Fact]
    public async Task A_send_with_text_alone_passes_no_attachments()
    {
        var chat = RecordingChat.Create();
        await SendEndpoints.Post("general", Json("""{"text":"hi"}"""), User(), chat);

        var call = Assert.Single(((RecordingChat)(object)chat).Posts);
        Assert.Equal("hi", call.Text);
        Assert.Null(call.Attachments);
    }

    [Theory]
    [InlineData("""{"attachments":"0123456789abcdef0123456789abcdef"}""", "'attachments' must be an array of strings.")]
    [InlineData("""{"attachments":[1,2]}""", "'attachments' must be an array of strings.")]
    [InlineData("""{"attachments":[]}""", "Send 'text' or 'attachments'")]
    [InlineData("""{}""", "Send 'text' or 'attachments'")]
    public async Task A_malformed_attachments_field_or_an_empty_send_is_an_invalid_request_and_nothing_is_posted(string body, string detail)
    {
        var chat = RecordingChat.Create();
        var result = await SendEndpoints.Post("general", Json(body), User(), chat);

        var problem = Assert.IsType<ProblemHttpResult>(result.Result);
        Assert.Equal(StatusCodes.Status400BadRequest, problem.StatusCode);
        Assert.Equal("invalid_request", problem.ProblemDetails.Extensions["error"]);
        Assert.StartsWith(detail, problem.ProblemDetails.Detail, StringComparison.Ordinal);
        Assert.Empty(((RecordingChat)(object)chat).Posts);
    }

    private static ClaimsPrincipal User() => new(new ClaimsIdentity([new Claim("sub", "alice"), new Claim(ClaimTypes.NameIdentifier, "alice")], "test"));

    private static DefaultHttpContext Json(string body) => Request(body, "application/json");

    private static DefaultHttpContext Form(string body) => Request(body, "application/x-www-form-urlencoded");

    private static DefaultHttpContext Request(string body, string contentType)
    {
        var bytes = Encoding.UTF8.GetBytes(body);
        var http = new DefaultHttpContext
        {
            RequestServices = new ServiceCollection().AddOptions().Configure<JsonOptions>(_ => { }).BuildServiceProvider(),
        };
        http.Request.Method = "POST";
        http.Request.ContentType = contentType;
        http.Request.ContentLength = bytes.Length;
        http.Request.Body = new MemoryStream(bytes);
        return http;
    }
}

/// <summary>An <see cref="IChatService"/> that records the posts it is asked for and answers each with message 7.</summary>
public class RecordingChat : DispatchProxy
{
    public sealed record Post(string Actor, string Room, string? Text, IReadOnlyList<string>? Attachments);

    public List<Post> Posts { get; } = [];

    public static IChatService Create() => DispatchProxy.Create<IChatService, RecordingChat>();

    protected override object? Invoke(MethodInfo? targetMethod, object?[]? args)
    {
        if (targetMethod?.Name == nameof(IChatService.PostMessageAsync) && args is { Length: 7 })
        {
            Posts.Add(new Post((string)args[0]!, (string)args[1]!, (string?)args[2], (IReadOnlyList<string>?)args[5]));
            return Task.FromResult(new CommitResult(7, false, null));
        }

        throw new NotSupportedException($"{targetMethod?.Name} is not part of a send.");
    }
}
