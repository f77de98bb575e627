using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>A person using the web client through the edge: one browser context (own cookies), one page.</summary>
public sealed record BrowserUser(string Name, IBrowserContext Context, IPage Page) : IAsyncDisposable
{
    /// <summary>Reconnects back off up to several seconds; waits on them get this much.</summary>
    public static readonly float LongWaitMs = 45_000;

    public ILocator Status => Page.GetByTestId("connection-status");

    public ILocator MessageTexts => Page.GetByTestId("messages").GetByTestId("message-text");

    /// <summary>Opens the client with <c>?channel=</c>, signs in through the form and waits until the channel is live.</summary>
    /// <param name="prepare">Runs on the new context before the page opens (e.g. network routes).</param>
    /// <param name="expectChannel">The channel that should end up live; <paramref name="channel"/> when not given.</param>
    /// <param name="viewport">The window size; a desktop window (1200 × 760) when not given.</param>
    /// <param name="options">Changes the context's options (time zone, touch screen) before it is made.</param>
    public static async Task<BrowserUser> SignInAsync(
        ChromiumFixture chromium, ChatMeshAppFixture app, string prefix, string channel,
        Func<IBrowserContext, Task>? prepare = null, string? expectChannel = null, ViewportSize? viewport = null,
        Action<BrowserNewContextOptions>? options = null)
    {
        var edge = app.App.GetEndpoint("web", "http");
        var contextOptions = new BrowserNewContextOptions
        {
            BaseURL = edge.ToString(),
            ViewportSize = viewport ?? new ViewportSize { Width = 1200, Height = 760 },
        };
        options?.Invoke(contextOptions);
        var context = await chromium.Browser.NewContextAsync(contextOptions);
        if (prepare is not null)
        {
            await prepare(context);
        }

        var page = await context.NewPageAsync();
        page.Dialog += (_, dialog) => dialog.AcceptAsync();
        // The page's console and errors go to the test output, to explain a failure.
        var output = TestContext.Current.TestOutputHelper;
        page.Console += (_, message) => output?.WriteLine($"[{prefix} console.{message.Type}] {message.Text}");
        page.PageError += (_, error) => output?.WriteLine($"[{prefix} page error] {error}");
        page.Response += (_, response) =>
        {
            if (response.Status >= 400)
            {
                output?.WriteLine($"[{prefix} http {response.Status}] {response.Request.Method} {response.Url}");
            }
        };
        var name = Support.ChatUser.UniqueName(prefix);
        await page.GotoAsync($"/?channel={channel}&debug=1");
        await page.GetByLabel("User name").FillAsync(name);
        await page.GetByTestId("sign-in-submit").ClickAsync();
        var user = new BrowserUser(name, context, page);
        await user.WaitConnectedAsync(expectChannel ?? (channel == "auto" ? "ws" : channel));
        return user;
    }

    public async Task WaitConnectedAsync(string channel)
    {
        await Expect(Status).ToHaveAttributeAsync("data-state", "connected", new() { Timeout = LongWaitMs });
        await Expect(Status).ToHaveAttributeAsync("data-channel", channel);
    }

    public async Task CreateRoomAsync(string room)
    {
        await Page.GetByText("New room").ClickAsync();
        await Page.GetByTestId("create-room-id").FillAsync(room);
        await Page.GetByTestId("create-room-submit").ClickAsync();
        await Expect(Page.GetByTestId("room-title")).ToHaveTextAsync($"#{room}");
    }

    /// <summary>Creates a public room with a unique id through the form and returns the id.</summary>
    public async Task<string> CreateUniqueRoomAsync(string prefix)
    {
        var room = Support.ChatUser.UniqueName(prefix);
        await CreateRoomAsync(room);
        return room;
    }

    public async Task JoinRoomAsync(string room)
    {
        await Page.GetByText("Browse public rooms").ClickAsync();
        await Page.Locator($"[data-testid=join-room][data-room='{room}']").ClickAsync();
        await Expect(Page.GetByTestId("room-title")).ToHaveTextAsync($"#{room}");
    }

    /// <summary>Types a message and sends it with Enter, as a person would.</summary>
    public async Task SendAsync(string text)
    {
        var input = Page.GetByTestId("composer-input");
        await input.FillAsync(text);
        await input.PressAsync("Enter");
        await Expect(input).ToHaveValueAsync(string.Empty);
    }

    public ILocator Message(string text) =>
        Page.GetByTestId("messages").GetByTestId("message").Filter(new() { Has = Page.GetByTestId("message-text").GetByText(text, new() { Exact = true }) });

    /// <summary>
    /// Clicks one of a message's actions as a person with a mouse does: hovers the message, sees its toolbar appear,
    /// clicks the button (<paramref name="action"/> is its test id: react, reply, edit, delete; a reaction names its emoji).
    /// </summary>
    public async Task ClickActionAsync(string text, string action, string? emoji = null)
    {
        var message = Message(text);
        await message.HoverAsync();
        var toolbar = message.GetByTestId("message-actions");
        await Expect(toolbar).ToHaveCSSAsync("opacity", "1");
        var button = emoji is null ? toolbar.GetByTestId(action) : toolbar.Locator($"[data-testid={action}][data-emoji='{emoji}']");
        await button.ClickAsync();
    }

    public async Task<string> ScreenshotAsync(string name)
    {
        var path = Path.Combine(ChromiumFixture.ScreenshotDirectory, $"{name}.png");
        await Page.ScreenshotAsync(new PageScreenshotOptions { Path = path });
        TestContext.Current.TestOutputHelper?.WriteLine($"screenshot: {path}");
        return path;
    }

    public async ValueTask DisposeAsync() => await Context.DisposeAsync();
}
