namespace ChatMesh.Gateway.Search;

/// <summary>
/// This process's index folder: the first <c>index-{n}</c> under the search directory whose lock file no other process
/// holds (an exclusive open, released by the OS when the process ends). Gateways on one machine each keep their own index,
/// and a restarted gateway finds one it (or a predecessor) left, current up to its last commit.
/// </summary>
public sealed class IndexSlot : IDisposable
{
    private const int MaxSlots = 64;
    private readonly FileStream _lock;

    private IndexSlot(string path, FileStream held)
    {
        Path = path;
        _lock = held;
    }

    public string Path { get; }

    public static IndexSlot Acquire(string directory)
    {
        System.IO.Directory.CreateDirectory(directory);
        for (var slot = 0; slot < MaxSlots; slot++)
        {
            var path = System.IO.Path.Combine(directory, $"index-{slot}");
            try
            {
                var held = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                return new IndexSlot(path, held);
            }
            catch (IOException)
            {
                // Held by another gateway process: try the next slot.
            }
        }

        throw new InvalidOperationException($"All {MaxSlots} search index slots under '{directory}' are held by other processes.");
    }

    public void Dispose() => _lock.Dispose();
}

/// <summary>The gateway's one index, opened on first use in its slot (<see cref="SearchOptions.Directory"/>).</summary>
public sealed class SearchIndexHost : IDisposable
{
    private readonly Lazy<(IndexSlot Slot, SearchIndex Index)> _open;

    public SearchIndexHost(Microsoft.Extensions.Options.IOptions<SearchOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var directory = options.Value.EffectiveDirectory;
        _open = new(() =>
        {
            var slot = IndexSlot.Acquire(directory);
            try
            {
                return (slot, SearchIndex.Open(slot.Path));
            }
            catch
            {
                slot.Dispose();
                throw;
            }
        });
    }

    public SearchIndex Index => _open.Value.Index;

    public string Path => _open.Value.Slot.Path;

    public void Dispose()
    {
        if (_open.IsValueCreated)
        {
            _open.Value.Index.Dispose();
            _open.Value.Slot.Dispose();
        }
    }
}
