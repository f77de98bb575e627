using System.Diagnostics;
using System.Text.Json;
using ChatMesh.EndToEnd.Tests.Api;

namespace ChatMesh.EndToEnd.Tests.Search;

/// <summary>GET /api/search as one user, and waits for the index (eventually consistent) to catch up.</summary>
internal static class SearchClient
{
    /// <summary>Time the index gets to take in an event before a wait gives up: far above the lag, for a loaded 2-core run.</summary>
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    public static string Path(string q, string? room = null, long? before = null, int? limit = null)
    {
        var path = $"/api/search?q={Uri.EscapeDataString(q)}";
        if (room is not null)
        {
            path += $"&room={Uri.EscapeDataString(room)}";
        }
        if (before is not null)
        {
            path += $"&before={before}";
        }
        if (limit is not null)
        {
            path += $"&limit={limit}";
        }
        return path;
    }

    public static Task<JsonElement> SearchAsync(this ApiUser user, string q, string? room = null, long? before = null, int? limit = null) =>
        user.GetJsonAsync(Path(q, room, before, limit));

    public static long[] Ids(JsonElement page) => [.. page.GetProperty("hits").EnumerateArray().Select(h => h.GetProperty("messageId").GetInt64())];

    /// <summary>
    /// Searches until the hits are exactly <paramref name="expected"/> (ids, newest first) on every gateway the edge may
    /// pick: each has its own index, so the answer must hold six times in a row while the edge spreads requests over them.
    /// </summary>
    public static async Task<JsonElement> WaitForAsync(this ApiUser user, string q, long[] expected, string? room = null)
    {
        var deadline = Stopwatch.StartNew();
        var agreeing = 0;
        JsonElement page;
        while (true)
        {
            page = await user.SearchAsync(q, room);
            agreeing = Ids(page).SequenceEqual(expected) ? agreeing + 1 : 0;
            // Six agreeing answers in a row: round-robin over two gateways has asked each of them.
            if (agreeing >= 6)
            {
                return page;
            }
            Assert.True(deadline.Elapsed < Patience,
                $"search '{q}' by {user.Id} never settled on [{string.Join(",", expected)}]; last [{string.Join(",", Ids(page))}]");
            await Task.Delay(agreeing > 0 ? 0 : 50, TestContext.Current.CancellationToken);
        }
    }
}
