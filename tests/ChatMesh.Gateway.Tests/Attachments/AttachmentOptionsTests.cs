using ChatMesh.Chat.Attachments;
using ChatMesh.Gateway.Attachments;

namespace ChatMesh.Gateway.Tests.Attachments;

/// <summary>Every attachment limit is validated on start with a message naming its key.</summary>
public sealed class AttachmentOptionsTests
{
    private static readonly AttachmentOptionsValidator Validator = new();

    [Fact]
    public void The_defaults_are_valid_and_accept_images_pdf_archives_and_text_but_not_markup_or_unknown_binary()
    {
        var options = new AttachmentOptions();
        Assert.True(Validator.Validate(null, options).Succeeded);
        Assert.Equal(10 * 1024 * 1024, options.MaxFileBytes);
        Assert.Contains("image/png", options.EffectiveAllowedContentTypes);
        Assert.Contains("application/pdf", options.EffectiveAllowedContentTypes);
        Assert.DoesNotContain("text/html", options.EffectiveAllowedContentTypes);
        Assert.DoesNotContain("image/svg+xml", options.EffectiveAllowedContentTypes);
        Assert.DoesNotContain("application/octet-stream", options.EffectiveAllowedContentTypes);
        Assert.EndsWith(Path.Combine("chatmesh", "attachments"), options.EffectiveDirectory, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(0, "Gateway:Attachments:MaxFileBytes")]
    [InlineData(2L * 1024 * 1024 * 1024, "Gateway:Attachments:MaxFileBytes")]
    public void Out_of_range_sizes_are_refused_naming_the_key(long maxFileBytes, string key) =>
        Assert.Contains(key, Fail(new AttachmentOptions { MaxFileBytes = maxFileBytes }));

    [Fact]
    public void Types_the_server_cannot_detect_names_and_relative_folders_are_refused()
    {
        Assert.Contains("'image/heic'", Fail(new AttachmentOptions { AllowedContentTypes = ["image/png", "image/heic"] }));
        Assert.Contains("MaxNameLength", Fail(new AttachmentOptions { MaxNameLength = 0 }));
        Assert.Contains("Directory must be an absolute path", Fail(new AttachmentOptions { Directory = "relative/files" }));
    }

    [Theory]
    [InlineData("Bucket=b;AccessKey=a;SecretKey=s", "Endpoint")]
    [InlineData("Endpoint=ftp://x;Bucket=b;AccessKey=a;SecretKey=s", "Endpoint")]
    [InlineData("Endpoint=http://s3.local:9000;AccessKey=a;SecretKey=s", "Bucket")]
    [InlineData("Endpoint=http://s3.local:9000;Bucket=b;AccessKey=a", "SecretKey")]
    [InlineData("Endpoint=http://s3.local:9000;Bucket=b;AccessKey=a;SecretKey=s;ForcePathStyle=maybe", "ForcePathStyle")]
    public void A_bad_S3_connection_string_is_refused_naming_the_part(string connection, string part)
    {
        var message = Fail(new AttachmentOptions { S3ConnectionString = connection });
        Assert.Contains("ConnectionStrings:attachments", message);
        Assert.Contains(part, message);
    }

    [Fact]
    public void A_complete_S3_connection_string_parses_with_defaults_for_region_prefix_and_path_style()
    {
        Assert.Null(S3ConnectionString.TryParse("Endpoint=http://s3.local:9000;Bucket=chat;AccessKey=AK;SecretKey=SK", out var parsed));
        Assert.Equal(new S3ConnectionString(new Uri("http://s3.local:9000"), "chat", "AK", "SK", "us-east-1", "", true), parsed);
        Assert.Null(S3ConnectionString.TryParse(
            "Endpoint=https://s3.example.com;Bucket=chat;AccessKey=AK;SecretKey=SK;Region=eu-west-1;Prefix=chatmesh/;ForcePathStyle=false", out var prefixed));
        Assert.Equal(("eu-west-1", false), (prefixed!.Region, prefixed.ForcePathStyle));
        using var store = new S3AttachmentStore(prefixed);
        Assert.Equal("chatmesh/sha256/" + new string('0', 64), store.Key(new string('0', 64)));
    }

    [Theory]
    [InlineData(0, 3600, "Gateway:Attachments:SweepInterval")]
    [InlineData(2 * 86400, 3600, "Gateway:Attachments:SweepInterval")]
    [InlineData(600, 0, "Gateway:Attachments:SweepGrace")]
    [InlineData(600, 8 * 86400, "Gateway:Attachments:SweepGrace")]
    public void An_out_of_range_sweep_interval_or_grace_stops_the_start_naming_the_key(int intervalSeconds, int graceSeconds, string key)
    {
        var message = Fail(new AttachmentOptions
        {
            SweepInterval = TimeSpan.FromSeconds(intervalSeconds),
            SweepGrace = TimeSpan.FromSeconds(graceSeconds),
        });
        Assert.Contains(key, message);
    }

    [Theory]
    [InlineData(9, 1000, "Gateway:Attachments:BackfillScanCount")]
    [InlineData(100_001, 1000, "Gateway:Attachments:BackfillScanCount")]
    [InlineData(1000, 0, "Gateway:Attachments:BackfillPageSize")]
    [InlineData(1000, 1001, "Gateway:Attachments:BackfillPageSize")]
    public void An_out_of_range_backfill_step_stops_the_start_naming_the_key(int scanCount, int pageSize, string key)
    {
        var message = Fail(new AttachmentOptions { BackfillScanCount = scanCount, BackfillPageSize = pageSize });
        Assert.Contains(key, message);
    }

    private static string Fail(AttachmentOptions options)
    {
        var result = Validator.Validate(null, options);
        Assert.True(result.Failed);
        return result.FailureMessage;
    }
}
