namespace ChatMesh.Chat.Attachments;

/// <summary>
/// The default store: <c>{root}/sha256/ab/cd/abcd…</c> on the local file system, spooled in <c>{root}/tmp</c> (same file
/// system, so the hand-over is an atomic rename). Concurrent uploads of one file by several gateways are safe: the first
/// rename wins and the same bytes are dropped by the others.
/// </summary>
public sealed class FileSystemAttachmentStore : IAttachmentStore
{
    private readonly string root;

    public FileSystemAttachmentStore(string root)
    {
        this.root = Path.GetFullPath(root);
        SpoolDirectory = Path.Combine(this.root, "tmp");
        Directory.CreateDirectory(SpoolDirectory);
    }

    public string SpoolDirectory { get; }

    public Task PutAsync(string sha256, string spooledFile, long length, CancellationToken cancellationToken)
    {
        var target = PathOf(sha256);
        if (File.Exists(target))
        {
            File.Delete(spooledFile);
            return Task.CompletedTask;
        }

        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        try
        {
            File.Move(spooledFile, target, overwrite: false);
        }
        catch (IOException) when (File.Exists(target))
        {
            // Another upload of the same bytes got there first.
            File.Delete(spooledFile);
        }

        return Task.CompletedTask;
    }

    public Task<Stream?> OpenReadAsync(string sha256, CancellationToken cancellationToken)
    {
        try
        {
            return Task.FromResult<Stream?>(new FileStream(PathOf(sha256), FileMode.Open, FileAccess.Read, FileShare.Read, 64 * 1024,
                FileOptions.Asynchronous | FileOptions.SequentialScan));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return Task.FromResult<Stream?>(null);
        }
    }

    public Task DeleteAsync(string sha256, CancellationToken cancellationToken)
    {
        // A missing file (or folder) is already deleted; File.Delete does not throw for a missing file.
        var path = PathOf(sha256);
        if (Directory.Exists(Path.GetDirectoryName(path)))
        {
            File.Delete(path);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<string>> ListAsync(string? after, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(max, 1);
        if (after is not null)
        {
            ContentAddress.Require(after);
        }

        // The walk sha256/ab/cd/abcd… in ordinal order, skipping the folders wholly before 'after'.
        var found = new List<string>(Math.Min(max, 1024));
        var top = Path.Combine(root, "sha256");
        foreach (var first in Sorted(Directory.Exists(top) ? Directory.EnumerateDirectories(top) : []))
        {
            if (after is not null && string.CompareOrdinal(first, after[..2]) < 0)
            {
                continue;
            }

            foreach (var second in Sorted(Directory.EnumerateDirectories(Path.Combine(top, first))))
            {
                cancellationToken.ThrowIfCancellationRequested();
                if (after is not null && string.CompareOrdinal(first + second, after[..4]) < 0)
                {
                    continue;
                }

                foreach (var name in Sorted(Directory.EnumerateFiles(Path.Combine(top, first, second))))
                {
                    if (ContentAddress.IsSha256(name) && name.StartsWith(first + second, StringComparison.Ordinal)
                        && (after is null || string.CompareOrdinal(name, after) > 0))
                    {
                        found.Add(name);
                        if (found.Count == max)
                        {
                            return Task.FromResult<IReadOnlyList<string>>(found);
                        }
                    }
                }
            }
        }

        return Task.FromResult<IReadOnlyList<string>>(found);
    }

    private static List<string> Sorted(IEnumerable<string> paths)
    {
        var names = paths.Select(Path.GetFileName).OfType<string>().ToList();
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public string PathOf(string sha256)
    {
        ContentAddress.Require(sha256);
        return Path.Combine(root, "sha256", sha256[..2], sha256[2..4], sha256);
    }
}
