using ChatMesh.AppHost.Infrastructure;
using Microsoft.Extensions.Configuration;

var builder = DistributedApplication.CreateBuilder(args);

var (redis, messaging) = builder.AddChatMeshInfrastructure();

// The token-signing key: generated per AppHost start unless Parameters:jwt-signing-key is configured.
var signingKey = builder.AddParameter("jwt-signing-key",
    new GenerateParameterDefault { MinLength = 48, Special = false }, secret: true);

var gateway = builder.AddChatService<Projects.ChatMesh_Gateway>("gateway", redis, messaging, signingKey)
    .WithAttachmentStorage()
    .WithSearchIndexStorage();
var notification = builder.AddChatService<Projects.ChatMesh_Notification>("notification", redis, messaging, signingKey);
// Thousands of held polls keep their request's state until the next event: a gen-0 budget (64 MB per heap of legacy's
// Server GC, 128 MB in all) above a second of their allocation lets it die young instead of being copied into gen 2
// (docs/operations.md, runtime settings).
var legacy = builder.AddChatService<Projects.ChatMesh_Legacy>("legacy", redis, messaging, signingKey)
    .WithEnvironment("DOTNET_GCgen0size", "0x4000000");
var integration = builder.AddChatService<Projects.ChatMesh_Integration>("integration", redis, messaging, signingKey).WithAttachmentStorage();
if (builder.Configuration.GetValue<bool>("ChatMesh:Webhooks:AllowLocalReceivers"))
{
    // Development: webhooks to a receiver on this machine, which the SSRF rules refuse otherwise (docs/operations.md).
    integration
        .WithEnvironment("Integration__Ssrf__AllowedRanges__0", "127.0.0.0/8")
        .WithEnvironment("Integration__Ssrf__AllowedRanges__1", "::1/128");
}

builder.AddChatService<Projects.ChatMesh_Web>("web", redis, messaging, signingKey)
    .WithExternalHttpEndpoints()
    .WithPublicPort(builder.Configuration)
    .WithReference(gateway).WaitFor(gateway)
    .WithReference(notification).WaitFor(notification)
    .WithReference(legacy).WaitFor(legacy)
    .WithReference(integration).WaitFor(integration);

builder.Build().Run();
