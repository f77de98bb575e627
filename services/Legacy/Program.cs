using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Security;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Outbox;
using ChatMesh.Legacy.Hosting;
using ChatMesh.Legacy.Identity;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddChatInfrastructure(bus => bus.AddLiveEvents());
builder.AddChatDomain();
builder.Services.AddChatOutboxPublisher();
builder.AddChatAuthentication();
builder.AddLegacyPolling();

var app = builder.Build();

// Authentication of a re-poll from the validated-token cache; everything else the framework's way (Identity/).
app.UseLegacyAuthentication();

// Unhandled failures and bodiless error answers (unknown route, wrong method) get problem details too.
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseChatSourceLimits();
app.MapDefaultEndpoints();
app.MapLegacyPolling();

app.Run();
