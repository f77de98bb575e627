using Microsoft.Playwright;

namespace ChatMesh.DashboardScreenshot;

/// <summary>Opens the Aspire dashboard headless in the machine's Chromium and screenshots the newest <c>ws send</c> trace.</summary>
internal static class DashboardCapture
{
    // Debian's Chromium; Playwright never downloads a browser here.
    private const string Chromium = "/usr/bin/chromium";

    private static readonly string[] ChromiumArgs =
        ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run"];

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

        // The login link sets the dashboard's auth cookie, then the traces page lists the newest traces first.
        await page.GotoAsync(login.ToString());
        var traces = new Uri(login, "/traces");
        var link = page.Locator("a", new PageLocatorOptions { HasTextString = "ws send" }).First;
        for (var attempt = 0; ; attempt++)
        {
            await page.GotoAsync(traces.ToString());
            try
            {
                await link.WaitForAsync(new LocatorWaitForOptions { Timeout = 5_000 });
                break;
            }
            catch (TimeoutException) when (attempt < 12)
            {
                // Spans are exported in batches: the trace shows up within seconds.
            }
        }

        await link.ClickAsync();
        await page.WaitForURLAsync("**/traces/detail/**");
        // Let the span waterfall render and the late spans (writes, webhook) arrive.
        await page.WaitForTimeoutAsync(3_000);
        await page.ReloadAsync();
        await page.WaitForLoadStateAsync(LoadState.NetworkIdle);
        await page.WaitForTimeoutAsync(2_000);
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        await page.ScreenshotAsync(new PageScreenshotOptions { Path = output, FullPage = true });
    }
}
