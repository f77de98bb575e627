using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Security;
using ChatMesh.Chat.LiveEvents;
using ChatMesh.Chat.Presence;
using ChatMesh.Notification.Feeds;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddChatInfrastructure(bus => bus.AddLiveEvents());
builder.AddChatDomain();
builder.AddChatAuthentication();
builder.AddChatPresence();
builder.AddNotificationFeeds();

var app = builder.Build();

// Unhandled failures and bodiless error answers get problem details too.
app.UseExceptionHandler();
app.UseStatusCodePages();
app.UseChatSourceLimits();
app.MapDefaultEndpoints();
app.MapNotificationFeeds();

app.Run();
