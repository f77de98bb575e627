namespace ChatMesh.Gateway.Api.ProblemMapping;

/// <summary>
/// The <c>error</c> codes the API adds to the chat domain's own (<see cref="Chat.EventLog.ChatException.Code"/>)
/// and to the auth codes (<see cref="Chat.Identity.ChatAuthErrors"/>).
/// </summary>
public static class ApiErrors
{
    /// <summary>400: the request itself is malformed: bad JSON, wrong content type, a missing field, an unparsable value or header.</summary>
    public const string InvalidRequest = "invalid_request";

    /// <summary>400: a well-formed value out of range (a query <c>limit</c>, a negative cursor).</summary>
    public const string InvalidArgument = "invalid_argument";

    /// <summary>413: the body is larger than <c>Gateway:Api:MaxRequestBodyBytes</c>.</summary>
    public const string PayloadTooLarge = "payload_too_large";
}
