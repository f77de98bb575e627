using System.Net;
using System.Text.Json;

namespace ChatMesh.Chat.Tests.Identity;

/// <summary>Asserts an RFC 9457 problem details response with a ChatMesh <c>error</c> code.</summary>
internal static class ProblemAssert
{
    public static async Task<JsonElement> HasProblem(HttpResponseMessage response, HttpStatusCode status, string error)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var json = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var problem = JsonDocument.Parse(json).RootElement.Clone();
        Assert.Equal((int)status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("type").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrEmpty(problem.GetProperty("detail").GetString()));
        Assert.Equal(error, problem.GetProperty("error").GetString());
        return problem;
    }
}
