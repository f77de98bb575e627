using ChatMesh.Chat.Hosting;
using ChatMesh.Web.Edge;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddChatInfrastructure();
builder.AddChatEdge();

var app = builder.Build();

app.MapDefaultEndpoints();
app.MapChatEdge();

app.Run();
