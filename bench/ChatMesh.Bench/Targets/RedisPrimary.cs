using System.Globalization;
using Aspire.Hosting;
using Aspire.Hosting.Testing;
using StackExchange.Redis;

namespace ChatMesh.Bench.Targets;

/// <summary>
/// Which redis-server of the run the CPU figures sample: the primary, as the services' own connection string reaches it
/// (through the Sentinels in Sentinel mode, where the state folder also holds replicas and Sentinels), by the
/// <c>process_id</c> its <c>INFO server</c> reports; checked to be a process of this run's state folder.
/// </summary>
internal static class RedisPrimary
{
    public static async Task<(int? Pid, string Description)> FindAsync(DistributedApplication app, string stateDirectory, CancellationToken cancellationToken)
    {
        var underState = ProcessMemory.FindAllUnder("redis-server", stateDirectory);
        try
        {
            await using var redis = await ConnectionMultiplexer.ConnectAsync(await app.GetConnectionStringAsync("redis", cancellationToken)
                ?? throw new InvalidOperationException("redis has no connection string."));
            var info = (string)(await redis.GetDatabase().ExecuteAsync("INFO", "server"))!;
            var line = info.Split('\n').Select(entry => entry.Trim()).FirstOrDefault(entry => entry.StartsWith("process_id:", StringComparison.Ordinal));
            if (line is not null && int.TryParse(line["process_id:".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var pid) && underState.Contains(pid))
            {
                return (pid, string.Create(CultureInfo.InvariantCulture, $"redis-server CPU sampled: the primary, pid {pid} (INFO server; {underState.Count} redis-server process(es) in the run)"));
            }
        }
        catch (Exception exception) when (exception is RedisException or InvalidOperationException)
        {
            return (null, $"redis-server CPU not sampled: the primary could not be asked ({exception.GetType().Name})");
        }

        return (null, $"redis-server CPU not sampled: the primary's pid is not one of this run's {underState.Count} redis-server process(es)");
    }
}
