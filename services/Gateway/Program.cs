using ChatMesh.Chat.EventLog;
using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Identity;
using ChatMesh.Chat.Presence;
using ChatMesh.Gateway.WebSockets;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddChatInfrastructure();
builder.AddChatDomain();
builder.AddChatAuthentication();
builder.AddChatPresence();
builder.AddChatWebSockets();

var app = builder.Build();

app.UseWebSockets();
app.MapDefaultEndpoints();
app.MapDevSignIn();
app.MapChatWebSockets();

app.Run();
