using ChatMesh.Chat.Identity;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;

namespace ChatMesh.Chat.Tests.Identity;

public sealed class ChatTokenIssuerTests
{
    private static readonly DateTimeOffset Now = new(2030, 1, 2, 3, 4, 5, 600, TimeSpan.Zero);

    private static ChatTokenIssuer Issuer() =>
        new(Options.Create(new ChatAuthOptions { SigningKey = AuthTestServer.SigningKey }), new ManualTimeProvider(Now));

    [Fact]
    public void Token_carries_user_issuer_audience_and_whole_second_times()
    {
        var issued = Issuer().Issue("alice", "Alice");
        var token = new JsonWebToken(issued.Token);

        Assert.Equal("HS256", token.Alg);
        Assert.Equal("alice", token.Subject);
        Assert.Equal("Alice", token.GetClaim("name").Value);
        Assert.Equal("chatmesh", token.Issuer);
        Assert.Equal(["chatmesh"], token.Audiences);
        Assert.Equal(Now.AddHours(8).AddMilliseconds(-600), issued.ExpiresAt);
        Assert.Equal(issued.ExpiresAt.UtcDateTime, token.ValidTo);
        Assert.False(string.IsNullOrEmpty(token.Id));
    }

    [Theory]
    [InlineData("Alice")]
    [InlineData("")]
    public void Invalid_user_names_are_never_signed(string userId) =>
        Assert.Throws<ArgumentException>(() => Issuer().Issue(userId, "X"));
}
