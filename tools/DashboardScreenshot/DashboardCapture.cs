using Microsoft.Playwright;

namespace ChatMesh.DashboardScreenshot;

/// <summary>Opens the Aspire dashboard headless in the machine's Chromium and screenshots the newest <c>ws send</c> trace.</summary>
internal static class DashboardCapture
{
    // Debian's Chromium; Playwright never downloads a browser here.
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

    /// <summary>The trace id of the listed <c>ws send</c> trace (its name cell's title holds both), or null.</summary>
    private const string FindTraceId = """
        () => {
          const cell = [...document.querySelectorAll("td[title^='Name: ']")].find(c => c.title.includes(": ws send"));
          const match = cell && cell.title.match(/Trace Id: ([0-9a-f]{32})/);
          return match ? match[1] : null;
        }
        """;

    // The dev-certificate warning bar is noise in a README picture.
    private const string HideMessageBars = "() => document.querySelectorAll('.messagebar-container, fluent-message-bar').forEach(bar => bar.remove())";

    public static async Task CaptureTraceAsync(Uri login, string output)
    {
        using var playwright = await Playwright.CreateAsync();
        await using var browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Environment.GetEnvironmentVariable("CHATMESH_CHROMIUM") ?? Chromium,
            Headless = true,
            Args = ChromiumArgs,
        });
        var page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1600, Height = 1000 } });

        // The login link sets the dashboard's auth cookie; the traces page lists the newest traces first.
        page.SetDefaultTimeout(60_000);
        await page.GotoAsync(login.ToString());
        var traces = new Uri(login, "/traces");
        string? traceId = null;
        for (var attempt = 0; traceId is null; attempt++)
        {
            if (attempt == 12)
            {
                var debug = Path.Combine(Path.GetTempPath(), "chatmesh-dashboard-debug");
                await page.ScreenshotAsync(new PageScreenshotOptions { Path = debug + ".png", FullPage = true });
                await File.WriteAllTextAsync(debug + ".html", await page.ContentAsync());
                throw new InvalidOperationException($"No 'ws send' trace listed at {traces}; see {debug}.png and .html.");
            }

            // Spans are exported in batches: the trace shows up within seconds. Background Redis work lists many
            // traces, so filter by name first.
            await page.GotoAsync(traces.ToString());
            // The name filter is a Fluent UI text input: fill the <input> inside its shadow root.
            await page.Locator("fluent-text-input[name='traces-search'] input").FillAsync("ws send", new LocatorFillOptions { Timeout = 60_000 });
            await page.WaitForTimeoutAsync(5_000);
            traceId = await page.EvaluateAsync<string?>(FindTraceId);
        }

        await page.GotoAsync(new Uri(login, $"/traces/detail/{traceId}").ToString());
        // Let the span waterfall render and the late spans (writes, webhook) arrive.
        await page.WaitForTimeoutAsync(3_000);
        await page.ReloadAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.WaitForTimeoutAsync(2_000);
        await page.EvaluateAsync(HideMessageBars);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = output, FullPage = true });
    }
}
