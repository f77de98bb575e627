namespace ChatMesh.EndToEnd.Tests.Failover;

/// <summary>
/// The whole app with RabbitMQ as a local 3-node cluster (<c>ChatMesh:Infrastructure:RabbitMQ=Cluster</c>): services
/// get one AMQP URI per node and make every durable queue a quorum queue. A class fixture, so the three nodes run
/// only while the failover tests do.
/// </summary>
public sealed class RabbitClusterAppFixture : ChatMeshAppFixture
{
    protected override IEnumerable<string> Arguments => ["--ChatMesh:Infrastructure:RabbitMQ=Cluster"];
}
