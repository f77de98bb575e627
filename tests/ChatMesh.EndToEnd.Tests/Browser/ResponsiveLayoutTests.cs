using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ChatMesh.EndToEnd.Tests.Browser;

/// <summary>On a phone-sized window the client stacks its columns: nothing sticks out sideways, and chatting works.</summary>
[Collection(BrowserCollection.Name)]
public sealed class ResponsiveLayoutTests(ChromiumFixture chromium, ChatMeshAppFixture app)
{
    [Fact]
    public async Task On_a_phone_sized_window_the_whole_client_fits_the_width_and_a_message_can_be_sent()
    {
        await using var phone = await BrowserUser.SignInAsync(chromium, app, "phone", "ws", viewport: new ViewportSize { Width = 390, Height = 844 });
        await phone.CreateUniqueRoomAsync("phone");
        await phone.SendAsync("sent from a phone");

        await Expect(phone.Message("sent from a phone")).ToBeVisibleAsync(new() { Timeout = BrowserUser.LongWaitMs });
        // No horizontal scrolling: every column is stacked inside the 390 px width.
        Assert.True(
            await phone.Page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= window.innerWidth"),
            "The page is wider than the window.");
        var box = await phone.Page.GetByTestId("composer-input").BoundingBoxAsync();
        Assert.NotNull(box);
        Assert.True(box.X >= 0 && box.X + box.Width <= 390, $"The message box spans {box.X}..{box.X + box.Width} px of a 390 px window.");
        await phone.ScreenshotAsync("phone-layout");
    }
}
