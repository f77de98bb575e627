using ChatMesh.Testing.Faults;

namespace ChatMesh.EndToEnd.Tests.Faults;

/// <summary>
/// Appends each case's row to a markdown table (<c>CHATMESH_FAULTS_REPORT</c>, else faults-report.md next to the
/// test binaries), the figures docs/reliability.md quotes.
/// </summary>
public static class FaultReport
{
    private static readonly Lock Gate = new();

    public static string Path =>
        Environment.GetEnvironmentVariable("CHATMESH_FAULTS_REPORT") is { Length: > 0 } path
            ? path
            : System.IO.Path.Combine(AppContext.BaseDirectory, "faults-report.md");

    public static void Add(FaultRow row)
    {
        lock (Gate)
        {
            if (!File.Exists(Path))
            {
                File.WriteAllText(Path, FaultRow.Header + "\n");
            }

            File.AppendAllText(Path, row.ToMarkdown() + "\n");
        }
    }
}
