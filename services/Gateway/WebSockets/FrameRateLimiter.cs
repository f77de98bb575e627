namespace ChatMesh.Gateway.WebSockets;

/// <summary>A token bucket per connection: <c>burst</c> frames at once, refilled at <c>rate</c> per second.</summary>
internal sealed class FrameRateLimiter(double ratePerSecond, int burst, TimeProvider time)
{
    private double _tokens = burst;
    private long _last = time.GetTimestamp();

    /// <summary>Takes one token; false when the client is over its rate. Called from the receive loop only.</summary>
    public bool TryTake()
    {
        var now = time.GetTimestamp();
        _tokens = Math.Min(burst, _tokens + (time.GetElapsedTime(_last, now).TotalSeconds * ratePerSecond));
        _last = now;
        if (_tokens < 1)
        {
            return false;
        }

        _tokens -= 1;
        return true;
    }
}
