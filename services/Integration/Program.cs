using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Security;
using ChatMesh.Chat.Outbox;
using ChatMesh.Integration.Extensions;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddChatInfrastructure(bus => bus.AddWebhookConsumer());
builder.AddChatDomain();
builder.Services.AddChatOutboxPublisher();
builder.AddChatAuthentication();
builder.AddIntegration();

var app = builder.Build();

// Unhandled failures and bodiless error answers get problem details with an 'error' code too.
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseChatSourceLimits();
app.MapDefaultEndpoints();
app.MapIntegration();

app.Run();
