namespace ChatMesh.Bench;

/// <summary>Opens and closes a scenario's many client connections (WebSockets, SSE streams, long-pollers) in parallel.</summary>
internal static class Connections
{
    private const int OpenParallelism = 32;

    /// <summary>Fills <paramref name="into"/> with <c>open(i)</c>, 32 at a time; what opened before a failure stays in it to be disposed.</summary>
    public static Task OpenAsync<T>(T[] into, Func<int, CancellationToken, Task<T>> open, CancellationToken cancellationToken) =>
        Parallel.ForAsync(0, into.Length, new ParallelOptions { MaxDegreeOfParallelism = OpenParallelism, CancellationToken = cancellationToken },
            async (i, token) => into[i] = await open(i, token));

    /// <summary>Disposes every connection that was opened (null slots are skipped).</summary>
    public static Task DisposeAllAsync<T>(IEnumerable<T?> connections)
        where T : class, IAsyncDisposable =>
        Parallel.ForEachAsync(connections.OfType<T>(), static async (connection, _) => await connection.DisposeAsync());
}
