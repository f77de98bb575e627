// EchoBot: answers "/echo text" in a room with "text", using ChatMesh.Client.
// Usage: dotnet run --project samples/EchoBot -- [room] [edge address] [bot name]
using ChatMesh.Client;
using ChatMesh.Samples.EchoBot;

var room = args.Length > 0 ? args[0] : "general";
var edge = new Uri(args.Length > 1 ? args[1] : "http://localhost:5080");
var name = args.Length > 2 ? args[2] : "echo-bot";

using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) => { e.Cancel = true; stop.Cancel(); };

await using var bot = await ChatMeshClient.SignInAsync(name, new ChatMeshClientOptions { BaseAddress = edge }, stop.Token);
bot.ConnectionChanged += (_, change) => Console.WriteLine($"{change.Channel}: {(change.Connected ? "connected" : $"lost ({change.Reason})")}");
try
{
    await EchoLoop.RunAsync(bot, room, () => Console.WriteLine($"{bot.UserId} answers /echo in {room} on {edge}; Ctrl+C stops."), stop.Token);
}
catch (OperationCanceledException) when (stop.IsCancellationRequested)
{
}
