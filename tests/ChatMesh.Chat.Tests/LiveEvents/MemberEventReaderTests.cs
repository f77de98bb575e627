using System.Text;
using ChatMesh.Chat.LiveEvents;

namespace ChatMesh.Chat.Tests.LiveEvents;

public sealed class MemberEventReaderTests
{
    [Theory]
    [InlineData("""{"id":7,"type":"member.joined","room":"r","actor":"a","ts":"t","data":{"user":"bob"}}""", "bob")]
    [InlineData("""{"data":{"role":{"x":[1,{"user":"no"}]},"user":"eve"},"id":1}""", "eve")]
    [InlineData("""{"id":7,"data":{"by":"bob"}}""", null)]
    [InlineData("""{"id":7,"data":"bob"}""", null)]
    [InlineData("""{"id":7,"data":{"user":""", null)]
    public void Reads_the_member_from_data_user(string json, string? expected)
    {
        Assert.Equal(expected, MemberEventReader.ReadUser(Encoding.UTF8.GetBytes(json)));
    }
}
