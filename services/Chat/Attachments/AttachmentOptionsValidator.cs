using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Attachments;

/// <summary>Stops the gateway at start when an <see cref="AttachmentOptions"/> value is out of range, naming the key.</summary>
public sealed class AttachmentOptionsValidator : IValidateOptions<AttachmentOptions>
{
    public ValidateOptionsResult Validate(string? name, AttachmentOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var section = AttachmentOptions.SectionName;
        if (options.MaxFileBytes is < AttachmentOptions.MinFileBytesCeiling or > AttachmentOptions.MaxFileBytesCeiling)
        {
            failures.Add($"{section}:MaxFileBytes must be {AttachmentOptions.MinFileBytesCeiling} to {AttachmentOptions.MaxFileBytesCeiling}, got {options.MaxFileBytes}.");
        }

        if (options.MaxNameLength is < 1 or > 1000)
        {
            failures.Add($"{section}:MaxNameLength must be 1 to 1000, got {options.MaxNameLength}.");
        }

        if (options.SweepInterval < TimeSpan.FromSeconds(1) || options.SweepInterval > TimeSpan.FromDays(1))
        {
            failures.Add($"{section}:SweepInterval must be 1 second to 1 day, got {options.SweepInterval}.");
        }

        if (options.SweepGrace < TimeSpan.FromSeconds(1) || options.SweepGrace > TimeSpan.FromDays(7))
        {
            failures.Add($"{section}:SweepGrace must be 1 second to 7 days, got {options.SweepGrace}.");
        }

        if (options.BackfillScanCount is < 10 or > 100_000)
        {
            failures.Add($"{section}:BackfillScanCount must be 10 to 100000, got {options.BackfillScanCount}.");
        }

        if (options.BackfillPageSize is < 1 or > 1000)
        {
            failures.Add($"{section}:BackfillPageSize must be 1 to 1000, got {options.BackfillPageSize}.");
        }

        foreach (var type in options.AllowedContentTypes ?? [])
        {
            if (!ContentSniffer.KnownTypes.Contains(type))
            {
                failures.Add($"{section}:AllowedContentTypes has '{type}', which the server cannot detect; use {string.Join(", ", ContentSniffer.KnownTypes)}.");
            }
        }

        if (options.S3ConnectionString is { Length: > 0 } connection)
        {
            if (S3ConnectionString.TryParse(connection, out _) is { } problem)
            {
                failures.Add($"ConnectionStrings:{AttachmentOptions.ConnectionStringName}: {problem}");
            }
        }
        else if (!string.IsNullOrWhiteSpace(options.Directory) && !Path.IsPathFullyQualified(options.Directory))
        {
            failures.Add($"{section}:Directory must be an absolute path, got '{options.Directory}'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
