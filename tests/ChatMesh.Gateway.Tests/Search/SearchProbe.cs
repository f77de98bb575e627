using ChatMesh.Gateway.Search;

namespace ChatMesh.Gateway.Tests.Search;

/// <summary>What a user finds, as the ids of the hits, and waiting (with a deadline) until they find a given number.</summary>
internal static class SearchProbe
{
    public static readonly TimeSpan Patience = TimeSpan.FromSeconds(20);

    public static async Task<long[]> WaitForAsync(MessageSearch search, string user, string q, int count)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Patience);
        while (true)
        {
            var ids = await IdsAsync(search, user, q);
            if (ids.Length == count)
            {
                return ids;
            }
            await Task.Delay(20, deadline.Token);
        }
    }

    public static async Task<long[]> IdsAsync(MessageSearch search, string user, string q) =>
        [.. (await search.SearchAsync(user, q, null, null, 20, TestContext.Current.CancellationToken)).Hits.Select(hit => hit.MessageId)];
}
