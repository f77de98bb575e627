using ChatMesh.Chat.Hosting;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddChatInfrastructure();

var app = builder.Build();

app.MapDefaultEndpoints();

app.Run();
