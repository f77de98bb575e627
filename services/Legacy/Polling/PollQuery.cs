using System.Globalization;
using ChatMesh.Legacy.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Legacy.Polling;

/// <summary>The query of <c>GET /poll/queues/{id}/events</c>, parsed by hand so each mistake gets its own code.</summary>
internal readonly record struct PollQuery(long? Cursor, TimeSpan? Hold)
{
    public static ProblemHttpResult? TryParse(string? lastEventId, string? timeout, string? dontBlock, TimeSpan maxTimeout, out PollQuery query)
    {
        query = default;
        long? cursor = null;
        if (lastEventId is not null)
        {
            // Digits only: no sign, no spaces, no exponent.
            if (lastEventId.Length is 0 or > 19 || !lastEventId.All(char.IsAsciiDigit)
                || !long.TryParse(lastEventId, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
            {
                return PollProblems.BadRequest(PollErrors.InvalidCursor, "'lastEventId' must be a non-negative event id.");
            }

            cursor = parsed;
        }

        bool noWait;
        switch (dontBlock?.ToLowerInvariant())
        {
            case null or "false" or "0":
                noWait = false;
                break;
            case "true" or "1" or "":
                noWait = true;
                break;
            default:
                return PollProblems.InvalidArgument("'dont_block' must be true or false.");
        }

        var hold = maxTimeout;
        if (timeout is not null)
        {
            if (!int.TryParse(timeout, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) || seconds < 1)
            {
                return PollProblems.InvalidArgument($"'timeout' must be a whole number of seconds, 1 to {maxTimeout.TotalSeconds:0}.");
            }

            // Clients cannot know the server's maximum; a larger wish is served as the maximum.
            hold = TimeSpan.FromSeconds(Math.Min(seconds, maxTimeout.TotalSeconds));
        }

        query = new PollQuery(cursor, noWait ? null : hold);
        return null;
    }
}
