using Microsoft.Extensions.Options;

namespace ChatMesh.Chat.Problems;

/// <summary>
/// How <see cref="RequestBoundary"/> ends a refused request whose body it has not read to the end (section
/// <c>Chat:RequestBoundary</c>, validated on start): after the answer it reads and discards the rest, at most
/// <see cref="DrainBytes"/> past the body cap and for at most <see cref="DrainTimeout"/>, so a client still sending reads
/// the answer instead of a TCP reset; a longer or slower body is cut off there.
/// </summary>
public sealed class RequestBoundaryOptions
{
    public const string SectionName = "Chat:RequestBoundary";

    public const long MaxDrainBytes = 64L * 1024 * 1024;
    public static readonly TimeSpan MaxDrainTimeout = TimeSpan.FromMinutes(1);

    /// <summary>Bytes of an unread body discarded after a refusal, counted past the body cap; 0 reads none.</summary>
    public long DrainBytes { get; set; } = 1024 * 1024;

    /// <summary>How long the discarding may take; <see cref="TimeSpan.Zero"/> reads none.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(5);
}

public sealed class RequestBoundaryOptionsValidator : IValidateOptions<RequestBoundaryOptions>
{
    public ValidateOptionsResult Validate(string? name, RequestBoundaryOptions options)
    {
        var failures = new List<string>();
        var s = RequestBoundaryOptions.SectionName;
        if (options.DrainBytes is < 0 or > RequestBoundaryOptions.MaxDrainBytes)
        {
            failures.Add($"{s}:DrainBytes must be from 0 to {RequestBoundaryOptions.MaxDrainBytes} (64 MiB), got {options.DrainBytes}.");
        }

        if (options.DrainTimeout < TimeSpan.Zero || options.DrainTimeout > RequestBoundaryOptions.MaxDrainTimeout)
        {
            failures.Add($"{s}:DrainTimeout must be from 00:00:00 to {RequestBoundaryOptions.MaxDrainTimeout}, got {options.DrainTimeout}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
