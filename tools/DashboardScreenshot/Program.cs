using ChatMesh.DashboardScreenshot;

// Usage: ChatMesh.DashboardScreenshot <web base URL> <dashboard login URL> <output .png>
// Run by tools/dashboard-screenshot.sh, which starts ChatMesh first. See docs/observability.md.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: ChatMesh.DashboardScreenshot <web URL> <dashboard login URL> <output.png>");
    return 2;
}

var web = new Uri(args[0]);
var login = new Uri(args[1]);
var output = Path.GetFullPath(args[2]);

var room = await TracedTraffic.SendAsync(web);
Console.WriteLine($"Sent a WebSocket message in room {room} to a WebSocket and an SSE recipient.");
await DashboardCapture.CaptureTraceAsync(login, output);
Console.WriteLine($"Saved {output}");
return 0;
