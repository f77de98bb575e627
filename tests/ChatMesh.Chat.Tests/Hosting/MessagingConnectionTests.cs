using ChatMesh.Chat.Hosting;

namespace ChatMesh.Chat.Tests.Hosting;

public sealed class MessagingConnectionTests
{
    [Fact]
    public void One_uri_is_one_node_with_classic_queues()
    {
        var connection = MessagingConnection.Parse("amqp://chatmesh:secret@127.0.0.1:5672", null);

        Assert.Equal(new Uri("amqp://chatmesh:secret@127.0.0.1:5672"), connection.Primary);
        Assert.Single(connection.Nodes);
        Assert.False(connection.QuorumQueues);
    }

    [Fact]
    public void A_uri_per_node_is_a_cluster_with_quorum_queues_and_its_host_list()
    {
        var connection = MessagingConnection.Parse(
            "amqp://chatmesh:secret@10.0.0.1:5672/chat, amqp://chatmesh:secret@10.0.0.2:5673/chat,amqp://chatmesh:secret@rabbit-3/chat", null);

        Assert.Equal(3, connection.Nodes.Count);
        Assert.Equal("10.0.0.1", connection.Primary.Host);
        Assert.True(connection.QuorumQueues);
        Assert.Equal(["10.0.0.1:5672", "10.0.0.2:5673", "rabbit-3"], connection.NodeAddresses);
    }

    [Theory]
    [InlineData("amqp://u:p@a:5672", "true", true)]
    [InlineData("amqp://u:p@a:5672,amqp://u:p@b:5672", "false", false)]
    [InlineData("amqp://u:p@a:5672,amqp://u:p@b:5672", "True", true)]
    [InlineData("amqp://u:p@a:5672", " ", false)]
    public void QuorumQueues_set_explicitly_wins_over_the_node_count(string connectionString, string setting, bool expected) =>
        Assert.Equal(expected, MessagingConnection.Parse(connectionString, setting).QuorumQueues);

    [Theory]
    [InlineData("")]
    [InlineData(" , ")]
    [InlineData("not a uri")]
    [InlineData("http://u:p@a:5672")]
    [InlineData("amqp://u:p@a:5672,redis:6379")]
    public void Anything_but_amqp_uris_is_refused_at_start(string connectionString)
    {
        var error = Assert.Throws<InvalidOperationException>(() => MessagingConnection.Parse(connectionString, null));
        Assert.Contains("ConnectionStrings:messaging", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("amqp://u:p@a:5672,amqp://other:p@b:5672")]
    [InlineData("amqp://u:p@a:5672/one,amqp://u:p@b:5672/two")]
    [InlineData("amqp://u:p@a:5672,amqps://u:p@b:5671")]
    public void Nodes_of_one_cluster_must_share_scheme_user_and_virtual_host(string connectionString)
    {
        var error = Assert.Throws<InvalidOperationException>(() => MessagingConnection.Parse(connectionString, null));
        Assert.Contains("same", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_QuorumQueues_value_that_is_not_a_boolean_is_refused_naming_the_key()
    {
        var error = Assert.Throws<InvalidOperationException>(() => MessagingConnection.Parse("amqp://u:p@a:5672", "yes"));
        Assert.Contains(MessagingConnection.QuorumQueuesKey, error.Message, StringComparison.Ordinal);
    }
}
