using ChatMesh.Chat.Hosting;
using ChatMesh.Chat.Identity;
using ChatMesh.Gateway.Api;

var builder = WebApplication.CreateBuilder(args);

builder.AddServiceDefaults();
builder.AddChatInfrastructure();
builder.AddChatAuthentication();
builder.AddChatApi();

var app = builder.Build();

// Unhandled failures and bodiless error answers (unknown route, wrong method or content type) get problem details too.
app.UseExceptionHandler();
app.UseStatusCodePages();
app.MapDefaultEndpoints();
app.MapDevSignIn();
app.MapChatApi();

app.Run();
