using System.Globalization;
using Lucene.Net.Analysis;
using Lucene.Net.Analysis.Standard;
using Lucene.Net.Analysis.Util;
using Lucene.Net.Documents;
using Lucene.Net.Index;
using Lucene.Net.Queries;
using Lucene.Net.Search;
using Lucene.Net.Store;
using Lucene.Net.Util;
using LuceneDirectory = Lucene.Net.Store.Directory;

namespace ChatMesh.Gateway.Search;

/// <summary>A message as the index holds it: what a search matched, to be checked against Redis before it is shown.</summary>
public sealed record IndexedMessage(long Id, string Room, string Author, string Text);

/// <summary>
/// One Lucene index of message text (one document per live message, keyed by its global id) and the event-log position
/// it has applied, recorded with each commit. Writes come from one indexer; searches from any thread see them after
/// <see cref="Refresh"/> (near-real-time readers, no commit needed).
/// </summary>
public sealed class SearchIndex : IDisposable
{
    internal const LuceneVersion Version = LuceneVersion.LUCENE_48;
    // Bumped when documents change shape: an index written by another schema is rebuilt. 2: the id is stored only (the
    // `before` cursor filters on the order doc values), no longer indexed as 16 numeric trie terms per message.
    private const string Schema = "2";
    private const string PositionKey = "position";
    private const string SchemaKey = "schema";
    private const string KeyField = "mid";
    private const string IdField = "id";
    private const string OrderField = "order";
    internal const string RoomField = "room";
    private const string AuthorField = "author";
    internal const string TextField = "text";

    // NRTCachingDirectory: segments up to this size (flushes, and merges expected to be this small) stay in memory …
    private const double MaxCachedMergeMB = 4;
    // … up to this much in total before new ones go straight to disk.
    private const double MaxCachedMB = 32;
    // Merges: segments below this size count as this size. Lucene's 2 MB default makes every segment of a chat index
    // (a refresh flushes 10–25 messages, a few KB) "the same size", so below ~20 MB in all each merge rewrote every small
    // segment again (the index's newest ~100,000 messages merged over and over). 10 KB keeps the merges logarithmic
    // (ten segments of a size become one ten times larger) for tens of segments more in a large index
    // (docs/benchmarks.md, session 13 — search5).
    private const double FloorSegmentMB = 0.01;

    private static readonly Sort NewestFirst = new(new SortField(OrderField, SortFieldType.INT64, true));

    private readonly LuceneDirectory _directory;
    private readonly IndexWriter _writer;
    private readonly SearcherManager _searchers;
    private readonly ReusedDocument _put = new();
    private long _position;
    private volatile bool _rebuilding;

    private SearchIndex(LuceneDirectory directory, IndexWriter writer, long position, bool current)
    {
        _directory = directory;
        _writer = writer;
        _position = position;
        IsCurrent = current;
        _searchers = new SearcherManager(writer, true, null);
    }

    /// <summary>The analyzer of the text field: Unicode word breaks (UAX #29), lower case, no stop words (chat is short).</summary>
    public static Analyzer CreateAnalyzer() => new StandardAnalyzer(Version, CharArraySet.Empty);

    /// <summary>The last event-log id applied (0 for a new index).</summary>
    public long Position => Interlocked.Read(ref _position);

    /// <summary>False for a new, unreadable or other-schema index: it holds nothing to trust and must be rebuilt.</summary>
    public bool IsCurrent { get; private set; }

    /// <summary>Opens (or creates) the index in <paramref name="path"/>; an unreadable one is wiped and started empty.</summary>
    public static SearchIndex Open(string path)
    {
        System.IO.Directory.CreateDirectory(path);
        try
        {
            return OpenAt(path);
        }
        catch (Exception exception) when (exception is CorruptIndexException or IndexFormatTooOldException or IndexFormatTooNewException or EndOfStreamException)
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(path))
            {
                File.Delete(file);
            }

            return OpenAt(path);
        }
    }

    private static SearchIndex OpenAt(string path)
    {
        // Near-real-time refreshes flush a small segment several times a second: kept in memory (and merged there) until
        // a commit syncs it to the folder, instead of a set of files written per refresh.
        var directory = new NRTCachingDirectory(new QuietDeleteDirectory(new DirectoryInfo(path)), MaxCachedMergeMB, MaxCachedMB);
        var config = new IndexWriterConfig(Version, CreateAnalyzer())
        {
            OpenMode = OpenMode.CREATE_OR_APPEND,
            // A flushed segment lives in memory (above) and is soon merged: packing its files into a compound file first
            // only copies them. Merged segments keep the merge policy's choice (compound when small against the index).
            UseCompoundFile = false,
            MergePolicy = new TieredMergePolicy { FloorSegmentMB = FloorSegmentMB },
        };
        var writer = new IndexWriter(directory, config);
        var data = writer.CommitData;
        var current = data is not null && data.TryGetValue(SchemaKey, out var schema) && schema == Schema
            && data.TryGetValue(PositionKey, out var recorded)
            && long.TryParse(recorded, NumberStyles.None, CultureInfo.InvariantCulture, out _);
        var position = current ? long.Parse(data![PositionKey], CultureInfo.InvariantCulture) : 0;
        return new SearchIndex(directory, writer, position, current);
    }

    /// <summary>
    /// Adds or replaces the document of message <paramref name="id"/>. One writer thread (the indexer, or a rebuild it
    /// runs): the document and its fields are reused from one call to the next, as Lucene allows once a write returned.
    /// </summary>
    public void Put(long id, string room, string author, string text)
    {
        var key = id.ToString(CultureInfo.InvariantCulture);
        _put.Key.SetStringValue(key);
        _put.Id.SetInt64Value(id);
        _put.Order.SetInt64Value(id);
        _put.Room.SetStringValue(room);
        _put.Author.SetStringValue(author);
        _put.Text.SetStringValue(text);
        _writer.UpdateDocument(new Term(KeyField, key), _put.Document);
    }

    /// <summary>Removes message <paramref name="id"/> (deleted, or gone from history).</summary>
    public void Remove(long id) => _writer.DeleteDocuments(new Term(KeyField, id.ToString(CultureInfo.InvariantCulture)));

    /// <summary>Records that every event up to <paramref name="position"/> is applied (committed with the next <see cref="Commit"/>).</summary>
    public void Advance(long position) => Interlocked.Exchange(ref _position, position);

    /// <summary>
    /// Empties the index before a rebuild; searches keep the previous view until the next <see cref="Refresh"/>. Until
    /// <see cref="EndRebuild"/>, a <see cref="Commit"/> (a stop mid-rebuild) records no position, so the next start
    /// rebuilds again instead of trusting a half-filled index.
    /// </summary>
    public void Clear()
    {
        _writer.DeleteAll();
        _rebuilding = true;
        RecordCommitData(rebuilding: true);
        IsCurrent = false;
    }

    /// <summary>Ends a rebuild begun with <see cref="Clear"/>: records <paramref name="position"/>, commits and refreshes.</summary>
    public void EndRebuild(long position)
    {
        _rebuilding = false;
        Advance(position);
        Commit();
        Refresh();
    }

    /// <summary>Makes every write so far visible to searches.</summary>
    public void Refresh() => _searchers.MaybeRefreshBlocking();

    /// <summary>Writes the index and its position to disk: a restart resumes from here.</summary>
    public void Commit()
    {
        var rebuilding = _rebuilding;
        RecordCommitData(rebuilding);
        _writer.Commit();
        IsCurrent = !rebuilding;
    }

    // Mid-rebuild no position: a commit then (or the writer's own on dispose) leaves an index the next start rebuilds.
    private void RecordCommitData(bool rebuilding) => _writer.SetCommitData(rebuilding
        ? new Dictionary<string, string> { [SchemaKey] = Schema }
        : new Dictionary<string, string>
        {
            [SchemaKey] = Schema,
            [PositionKey] = Position.ToString(CultureInfo.InvariantCulture),
        });

    /// <summary>
    /// Up to <paramref name="count"/> messages of <paramref name="rooms"/> matching <paramref name="query"/> with an id below
    /// <paramref name="before"/>, newest first.
    /// </summary>
    public IReadOnlyList<IndexedMessage> Search(Query query, IReadOnlyCollection<string> rooms, long? before, int count)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentNullException.ThrowIfNull(rooms);
        if (rooms.Count == 0 || count < 1)
        {
            return [];
        }

        var filter = new BooleanFilter
        {
            { new TermsFilter(rooms.Select(room => new Term(RoomField, room)).ToList()), Occur.MUST },
        };
        if (before is { } below)
        {
            // The order doc values hold the id: a per-document check instead of indexed numeric terms for every message.
            filter.Add(FieldCacheRangeFilter.NewInt64Range(OrderField, null, below, false, false), Occur.MUST);
        }

        var searcher = _searchers.Acquire();
        try
        {
            var top = searcher.Search(new FilteredQuery(query, filter), count, NewestFirst);
            var found = new List<IndexedMessage>(top.ScoreDocs.Length);
            foreach (var hit in top.ScoreDocs)
            {
                var document = searcher.Doc(hit.Doc);
                found.Add(new IndexedMessage(document.GetField(IdField).GetInt64Value() ?? 0, document.Get(RoomField),
                    document.Get(AuthorField), document.Get(TextField)));
            }

            return found;
        }
        finally
        {
            _searchers.Release(searcher);
        }
    }

    public void Dispose()
    {
        _searchers.Dispose();
        _writer.Dispose();
        _directory.Dispose();
    }

    /// <summary>The fields of a message document, set anew for each <see cref="Put"/>.</summary>
    private sealed class ReusedDocument
    {
        public readonly StringField Key = new(KeyField, "", Field.Store.NO);
        public readonly StoredField Id = new(IdField, 0L);
        public readonly NumericDocValuesField Order = new(OrderField, 0);
        public readonly StringField Room = new(RoomField, "", Field.Store.YES);
        public readonly StringField Author = new(AuthorField, "", Field.Store.YES);
        public readonly TextField Text = new(TextField, "", Field.Store.YES);
        public readonly Document Document;

        public ReusedDocument() => Document = new Document { Key, Id, Order, Room, Author, Text };
    }
}

/// <summary>
/// The index folder under the <see cref="NRTCachingDirectory"/>: a memory-mapped folder whose delete of a file that is
/// not there is a no-op, as Lucene 4.8 defines it. Lucene.Net's FSDirectory throws <see cref="FileNotFoundException"/>
/// instead, and the caching directory deletes every new file's name from the folder before writing it to memory, so each
/// refresh threw one exception per segment file (~15, ≈ 150 a second under a stream; docs/benchmarks.md, session 13).
/// The index's own deletes are unaffected: Lucene's deleter checks whether a failed delete left the file in place.
/// </summary>
internal sealed class QuietDeleteDirectory(DirectoryInfo path) : MMapDirectory(path)
{
    public override void DeleteFile(string name)
    {
        if (File.Exists(Path.Combine(Directory.FullName, name)))
        {
            base.DeleteFile(name);
        }
    }
}
