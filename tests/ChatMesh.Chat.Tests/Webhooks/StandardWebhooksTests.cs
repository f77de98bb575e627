using System.Text;
using ChatMesh.Chat.Tests.Identity;
using ChatMesh.Chat.Webhooks;
using Microsoft.AspNetCore.Http;

namespace ChatMesh.Chat.Tests.Webhooks;

public sealed class StandardWebhooksTests
{
    private static readonly WebhookVector Vector = WebhookVector.Load();

    private static WebhookSecret Secret => WebhookSecret.Parse(Vector.Secret);

    private static WebhookVerifier VerifierAt(long unixSeconds) =>
        new(new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(unixSeconds)));

    private static WebhookVerificationResult VerifyVector(
        string? signature, long nowSeconds, string? id = "", string? timestamp = "", params WebhookSecret[] secrets) =>
        VerifierAt(nowSeconds).Verify(
            id == "" ? Vector.Id : id,
            timestamp == "" ? Vector.Timestamp : timestamp,
            signature,
            Vector.BodyBytes,
            secrets.Length == 0 ? [Secret] : secrets);

    [Fact]
    public void Sign_reproduces_the_reference_vector()
    {
        Assert.Equal(Vector.Signature, StandardWebhooks.Sign(Secret, Vector.Id, Vector.UnixSeconds, Vector.Body));
        Assert.Equal(Vector.Signature, StandardWebhooks.Sign(Secret, Vector.Id, Vector.UnixSeconds, Vector.BodyBytes));
    }

    [Fact]
    public void SignAll_gives_one_signature_per_secret_and_a_receiver_holding_either_verifies()
    {
        var other = WebhookSecret.Generate();
        var header = StandardWebhooks.SignAll([Secret, other], Vector.Id, Vector.UnixSeconds, Vector.BodyBytes);

        Assert.Equal(Vector.Signature + " " + StandardWebhooks.Sign(other, Vector.Id, Vector.UnixSeconds, Vector.BodyBytes), header);
        Assert.Equal(0, VerifyVector(header, Vector.UnixSeconds, secrets: [Secret]).MatchedSecretIndex);
        Assert.True(VerifyVector(header, Vector.UnixSeconds, secrets: [other]).IsValid);
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature,
            VerifyVector(header, Vector.UnixSeconds, secrets: [WebhookSecret.Generate()]).Failure);
    }

    [Fact]
    public void SignAll_signs_a_body_larger_than_any_pooled_buffer_hint()
    {
        var body = new byte[100_000];
        Random.Shared.NextBytes(body);
        var header = StandardWebhooks.SignAll([Secret], "msg_big", Vector.UnixSeconds, body);

        Assert.True(VerifierAt(Vector.UnixSeconds).Verify("msg_big", Vector.Timestamp, header, body, Secret).IsValid);
    }

    [Fact]
    public void Reference_vector_verifies_at_its_own_time()
    {
        var result = VerifyVector(Vector.Signature, Vector.UnixSeconds);

        Assert.True(result.IsValid);
        Assert.Equal(0, result.MatchedSecretIndex);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(Vector.UnixSeconds), result.Timestamp);
    }

    [Theory]
    [InlineData("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLawdd")] // the spec's tampered (and truncated) signature
    [InlineData("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1PE=")] // one data bit off, still 32 bytes
    [InlineData("v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")] // right hash, unknown version
    [InlineData("g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")] // no version at all
    [InlineData("v1,not base64!")]
    public void Tampered_signature_fails(string signature) =>
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature, VerifyVector(signature, Vector.UnixSeconds).Failure);

    [Fact]
    public void Tampered_body_id_or_timestamp_fails()
    {
        var verifier = VerifierAt(Vector.UnixSeconds);
        var tamperedBody = Encoding.UTF8.GetBytes(Vector.Body.Replace("2432232314", "2432232315", StringComparison.Ordinal));
        var tamperedTimestamp = (Vector.UnixSeconds + 1).ToString(System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature,
            verifier.Verify(Vector.Id, Vector.Timestamp, Vector.Signature, tamperedBody, Secret).Failure);
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature,
            verifier.Verify(Vector.Id + "x", Vector.Timestamp, Vector.Signature, Vector.BodyBytes, Secret).Failure);
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature,
            verifier.Verify(Vector.Id, tamperedTimestamp, Vector.Signature, Vector.BodyBytes, Secret).Failure);
    }

    [Theory]
    [InlineData(-301, WebhookVerificationFailure.TimestampTooNew)] // the clock is 301 s behind the timestamp
    [InlineData(301, WebhookVerificationFailure.TimestampTooOld)]
    [InlineData(-300, WebhookVerificationFailure.None)]
    [InlineData(300, WebhookVerificationFailure.None)]
    public void Timestamp_must_be_within_300_seconds_of_now(int clockOffsetSeconds, WebhookVerificationFailure expected) =>
        Assert.Equal(expected, VerifyVector(Vector.Signature, Vector.UnixSeconds + clockOffsetSeconds).Failure);

    [Fact]
    public void Tolerance_is_configurable()
    {
        var verifier = new WebhookVerifier(
            new ManualTimeProvider(DateTimeOffset.FromUnixTimeSeconds(Vector.UnixSeconds + 61)), TimeSpan.FromSeconds(60));

        Assert.Equal(WebhookVerificationFailure.TimestampTooOld,
            verifier.Verify(Vector.Id, Vector.Timestamp, Vector.Signature, Vector.BodyBytes, Secret).Failure);
    }

    [Theory]
    [InlineData(null, "ts", "sig", WebhookVerificationFailure.MissingId)]
    [InlineData("id", null, "sig", WebhookVerificationFailure.MissingTimestamp)]
    [InlineData("id", "ts", null, WebhookVerificationFailure.MissingSignature)]
    [InlineData("", "ts", "sig", WebhookVerificationFailure.MissingId)]
    [InlineData("id", "", "sig", WebhookVerificationFailure.MissingTimestamp)]
    [InlineData("id", "ts", " ", WebhookVerificationFailure.MissingSignature)]
    public void Each_missing_header_is_reported(string? id, string? timestamp, string? signature, WebhookVerificationFailure expected)
    {
        var result = VerifierAt(Vector.UnixSeconds).Verify(
            id is null ? null : id.Length == 0 ? "" : Vector.Id,
            timestamp is null ? null : timestamp.Length == 0 ? "" : Vector.Timestamp,
            signature is null ? null : signature == "sig" ? Vector.Signature : signature,
            Vector.BodyBytes,
            Secret);

        Assert.Equal(expected, result.Failure);
        Assert.False(result.IsValid);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1614265330")]
    [InlineData("+1614265330")]
    [InlineData("1614265330.5")]
    [InlineData(" 1614265330")]
    [InlineData("99999999999999999999999")]
    public void Malformed_timestamp_is_reported(string timestamp) =>
        Assert.Equal(WebhookVerificationFailure.InvalidTimestamp, VerifyVector(Vector.Signature, Vector.UnixSeconds, timestamp: timestamp).Failure);

    [Fact]
    public void Any_v1_entry_among_several_may_match()
    {
        var header = $"v1,junk v2,junk {Vector.Signature} v1,junk";

        Assert.True(VerifyVector(header, Vector.UnixSeconds).IsValid);
    }

    [Fact]
    public void Several_signature_header_lines_count_as_one_list()
    {
        var headers = new HeaderDictionary
        {
            [StandardWebhooks.IdHeader] = Vector.Id,
            [StandardWebhooks.TimestampHeader] = Vector.Timestamp,
            [StandardWebhooks.SignatureHeader] = new(["v1,junk", Vector.Signature]),
        };

        Assert.True(VerifierAt(Vector.UnixSeconds).Verify(headers, Vector.BodyBytes, Secret).IsValid);
    }

    [Fact]
    public async Task The_streaming_verifier_agrees_with_the_reference_vector_and_refuses_what_the_other_refuses()
    {
        HeaderDictionary Headers(string signature) => new()
        {
            [StandardWebhooks.IdHeader] = Vector.Id,
            [StandardWebhooks.TimestampHeader] = Vector.Timestamp,
            [StandardWebhooks.SignatureHeader] = signature,
        };
        var verifier = VerifierAt(Vector.UnixSeconds);
        var cancel = TestContext.Current.CancellationToken;

        var result = await verifier.VerifyAsync(Headers(Vector.Signature), new MemoryStream(Vector.BodyBytes), [Secret], cancel);
        Assert.True(result.IsValid);

        var tampered = Vector.BodyBytes.Append((byte)' ').ToArray();
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature,
            (await verifier.VerifyAsync(Headers(Vector.Signature), new MemoryStream(tampered), [Secret], cancel)).Failure);

        // A body of several read buffers, second secret matching: the stream is hashed whole, for every secret.
        var big = new byte[300_000];
        new Random(7).NextBytes(big);
        var header = StandardWebhooks.Sign(Secret, Vector.Id, Vector.UnixSeconds, big);
        var both = await verifier.VerifyAsync(Headers(header), new MemoryStream(big), [WebhookSecret.Generate(), Secret], cancel);
        Assert.Equal(1, both.MatchedSecretIndex);
        Assert.Equal(verifier.Verify(Headers(header), big, WebhookSecret.Generate(), Secret).MatchedSecretIndex, both.MatchedSecretIndex);
    }

    [Fact]
    public void Secret_is_accepted_with_or_without_prefix()
    {
        var bare = Vector.Secret[WebhookSecret.Prefix.Length..];

        Assert.True(VerifyVector(Vector.Signature, Vector.UnixSeconds, secrets: WebhookSecret.Parse(bare)).IsValid);
        Assert.True(VerifyVector(Vector.Signature, Vector.UnixSeconds, secrets: WebhookSecret.Parse(Vector.Secret)).IsValid);
        Assert.Equal(Vector.Secret, WebhookSecret.Parse(bare).Encode());
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("whsec_")]
    [InlineData("whsec_not base64!")]
    public void Malformed_secret_is_refused(string? value)
    {
        Assert.False(WebhookSecret.TryParse(value, out _));
        if (value is not null)
        {
            Assert.Throws<FormatException>(() => WebhookSecret.Parse(value));
        }
    }

    [Fact]
    public void Rotation_accepts_either_secret_and_reports_which_matched()
    {
        var retired = WebhookSecret.Generate();

        var result = VerifyVector(Vector.Signature, Vector.UnixSeconds, secrets: [retired, Secret]);

        Assert.True(result.IsValid);
        Assert.Equal(1, result.MatchedSecretIndex);
        Assert.Equal(WebhookVerificationFailure.NoMatchingSignature,
            VerifyVector(Vector.Signature, Vector.UnixSeconds, secrets: [retired, WebhookSecret.Generate()]).Failure);
    }

    [Fact]
    public void Generated_secret_round_trips_and_signs_what_it_verifies()
    {
        var secret = WebhookSecret.Generate();
        var encoded = secret.Encode();
        var body = "{\"event\":\"message.created\"}"u8.ToArray();
        const long timestamp = 1_700_000_000;

        Assert.StartsWith(WebhookSecret.Prefix, encoded, StringComparison.Ordinal);
        Assert.Equal(WebhookSecret.GeneratedKeyBytes, secret.Key.Length);
        Assert.Equal(WebhookSecret.GeneratedKeyBytes, Convert.FromBase64String(encoded[WebhookSecret.Prefix.Length..]).Length);
        var parsed = WebhookSecret.Parse(encoded);
        Assert.True(parsed.Key.SequenceEqual(secret.Key));
        Assert.DoesNotContain(encoded[WebhookSecret.Prefix.Length..], secret.ToString(), StringComparison.Ordinal);

        var signature = StandardWebhooks.Sign(secret, "msg_1", timestamp, body);
        Assert.True(VerifierAt(timestamp).Verify("msg_1", "1700000000", signature, body, parsed).IsValid);
        Assert.NotEqual(WebhookSecret.Generate().Encode(), encoded);
    }

    [Fact]
    public void Verifying_without_any_secret_is_a_programming_error() =>
        Assert.Throws<ArgumentException>(() => VerifierAt(0).Verify("id", "0", "v1,x", []));
}
