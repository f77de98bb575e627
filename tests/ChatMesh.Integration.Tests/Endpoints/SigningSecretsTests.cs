using ChatMesh.Chat.Webhooks;
using ChatMesh.Integration.Endpoints;

namespace ChatMesh.Integration.Tests.Endpoints;

/// <summary>Secret rotation: both secrets sign during the overlap, only the new one after it.</summary>
public sealed class SigningSecretsTests
{
    [Fact]
    public void Both_secrets_sign_during_the_overlap_and_only_the_new_one_after()
    {
        var rotatedAt = new DateTimeOffset(2030, 5, 1, 12, 0, 0, TimeSpan.Zero);
        var oldSecret = WebhookSecret.Generate();
        var newSecret = WebhookSecret.Generate();
        var endpoint = new WebhookEndpoint(
            EndpointStore.NewId(), "owner", "https://hooks.example.com/x", null, null, null, true, null, rotatedAt, null,
            newSecret.Encode(), oldSecret.Encode(), rotatedAt + TimeSpan.FromHours(24));

        var during = endpoint.SigningSecrets(rotatedAt + TimeSpan.FromHours(23)).Select(secret => secret.Encode()).ToArray();
        Assert.Equal([newSecret.Encode(), oldSecret.Encode()], during);

        var after = endpoint.SigningSecrets(rotatedAt + TimeSpan.FromHours(24)).Select(secret => secret.Encode()).ToArray();
        Assert.Equal([newSecret.Encode()], after);
    }
}
