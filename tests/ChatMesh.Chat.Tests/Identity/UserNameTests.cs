using System.Security.Claims;
using ChatMesh.Chat.Identity;

namespace ChatMesh.Chat.Tests.Identity;

public sealed class UserNameTests
{
    [Theory]
    [InlineData("a")]
    [InlineData("alice")]
    [InlineData("0day")]
    [InlineData("bob.smith_2-x")]
    [InlineData("abcdefghijklmnopqrstuvwxyz012345")] // 32 characters
    public void Valid_user_names(string value) => Assert.True(UserName.IsValid(value));

    [Theory]
    [InlineData("")]
    [InlineData("Alice")]
    [InlineData("a b")]
    [InlineData("../x")]
    [InlineData(".hidden")]
    [InlineData("_x")]
    [InlineData("alice\n")]
    [InlineData("abcdefghijklmnopqrstuvwxyz0123456")] // 33 characters
    [InlineData("élise")]
    [InlineData("a/b")]
    public void Invalid_user_names(string value) => Assert.False(UserName.IsValid(value));

    [Fact]
    public void Null_is_not_a_user_name() => Assert.False(UserName.IsValid((string?)null));

    [Fact]
    public void User_id_comes_from_the_sub_claim()
    {
        var user = new ClaimsPrincipal(new ClaimsIdentity([new Claim("sub", "alice"), new Claim("name", "Alice")], "test"));

        Assert.Equal("alice", user.GetUserId());
        Assert.Equal("Alice", user.GetDisplayName());
        Assert.Null(new ClaimsPrincipal(new ClaimsIdentity()).FindUserId());
        Assert.Throws<InvalidOperationException>(() => new ClaimsPrincipal(new ClaimsIdentity()).GetUserId());
    }
}
