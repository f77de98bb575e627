using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Security;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Outbox;
using ChatMesh.Chat.Presence;
using ChatMesh.Gateway.Api;
using ChatMesh.Gateway.Attachments;
using ChatMesh.Gateway.Search;
using ChatMesh.Gateway.WebSockets;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddChatInfrastructure(bus => bus.AddLiveEvents());
builder.Services.AddChatOutboxPublisher();
builder.AddChatAuthentication();
builder.AddChatPresence();
builder.AddChatApi();
builder.AddChatAttachments();
builder.AddChatSearch();
builder.AddChatWebSockets();

var app = builder.Build();

// Unhandled failures and bodiless error answers (unknown route, wrong method or content type) get problem details too.
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseChatSourceLimits();
app.UseChatWebSocketWrites();
app.UseWebSockets();
app.MapDefaultEndpoints();
app.MapDevSignIn();
app.MapChatApi();
app.MapChatAttachments();
app.UseChatSearchIndex();
app.MapChatSearchOperations();
app.MapChatWebSockets();

app.Run();
