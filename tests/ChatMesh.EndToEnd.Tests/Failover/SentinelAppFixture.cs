namespace ChatMesh.EndToEnd.Tests.Failover;

/// <summary>
/// The whole app with Redis as a primary, two replicas and three Sentinels (<c>ChatMesh:Infrastructure:Redis=Sentinel</c>):
/// services connect through the Sentinels and acknowledge a write once a replica has it. A class fixture, so the
/// Sentinel topology runs only while the failover test does.
/// </summary>
public sealed class SentinelAppFixture : ChatMeshAppFixture
{
    protected override IEnumerable<string> Arguments => ["--ChatMesh:Infrastructure:Redis=Sentinel"];
}
