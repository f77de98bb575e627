namespace ChatMesh.EndToEnd.Tests;

public sealed class HealthTests(ChatMeshAppFixture fixture)
{
    public static TheoryData<string> Services => [.. ChatMeshAppFixture.Services];

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Every_service_reports_healthy_including_redis_and_rabbitmq(string resource)
    {
        using var client = fixture.CreateClient(resource);

        using var response = await client.GetAsync(new Uri("/health", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken));
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task Every_service_answers_its_liveness_probe(string resource)
    {
        using var client = fixture.CreateClient(resource);

        using var response = await client.GetAsync(new Uri("/alive", UriKind.Relative), TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
