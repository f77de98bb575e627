using System.Globalization;
using System.Text.Json;
using ChatMesh.Legacy.Hosting;
using Microsoft.AspNetCore.Http.HttpResults;

namespace ChatMesh.Legacy.Sending;

/// <summary>
/// The fields of a send body, whether JSON (<c>{"text","replyTo","attachments"}</c>, camelCase) or a form
/// (<c>text=…&amp;reply_to=…&amp;attachments=…</c>, snake_case), for clients that can only post forms.
/// </summary>
internal sealed class SendFields
{
    private static readonly SendFields Empty = new(null, null);
    private readonly JsonElement? _json;
    private readonly IFormCollection? _form;

    private SendFields(JsonElement? json, IFormCollection? form)
    {
        _json = json;
        _form = form;
    }

    public static async Task<(SendFields? Fields, ProblemHttpResult? Problem)> ReadAsync(HttpContext http)
    {
        switch (RequestBodies.KindOf(http.Request))
        {
            case BodyKind.None:
                return (Empty, null);
            case BodyKind.Json:
                var json = await RequestBodies.ReadJsonAsync<JsonElement>(http);
                return json.ValueKind == JsonValueKind.Object
                    ? (new SendFields(json, null), null)
                    : (null, PollProblems.InvalidRequest("The JSON body must be an object."));
            case BodyKind.Form:
                return (new SendFields(null, await http.Request.ReadFormAsync(http.RequestAborted)), null);
            default:
                return (null, PollProblems.UnsupportedMediaType());
        }
    }

    /// <summary>A string field: null when absent; a problem when it has the wrong type or is repeated.</summary>
    public ProblemHttpResult? String(string jsonName, string formName, out string? value)
    {
        value = null;
        if (_json is { } json)
        {
            if (!json.TryGetProperty(jsonName, out var property) || property.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (property.ValueKind != JsonValueKind.String)
            {
                return PollProblems.InvalidRequest($"'{jsonName}' must be a string.");
            }

            value = property.GetString();
            return null;
        }

        if (_form is not null && _form.TryGetValue(formName, out var values))
        {
            if (values.Count > 1)
            {
                return PollProblems.InvalidRequest($"Send '{formName}' once.");
            }

            value = values.ToString();
        }

        return null;
    }

    /// <summary>
    /// A list of strings: a JSON array of strings, or a form field given once per item (<c>attachments=a&amp;attachments=b</c>).
    /// Null when absent; a problem when it has the wrong type.
    /// </summary>
    public ProblemHttpResult? Strings(string jsonName, string formName, out string[]? values)
    {
        values = null;
        if (_json is { } json)
        {
            if (!json.TryGetProperty(jsonName, out var property) || property.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (property.ValueKind != JsonValueKind.Array || property.EnumerateArray().Any(item => item.ValueKind != JsonValueKind.String))
            {
                return PollProblems.InvalidRequest($"'{jsonName}' must be an array of strings.");
            }

            values = [.. property.EnumerateArray().Select(item => item.GetString()!)];
            return null;
        }

        if (_form is not null && _form.TryGetValue(formName, out var items))
        {
            values = [.. items.Select(item => item ?? "")];
        }

        return null;
    }

    /// <summary>An integer field (a JSON number, or form digits): null when absent or empty.</summary>
    public ProblemHttpResult? Long(string jsonName, string formName, out long? value)
    {
        value = null;
        if (_json is { } json)
        {
            if (!json.TryGetProperty(jsonName, out var property) || property.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (property.ValueKind != JsonValueKind.Number || !property.TryGetInt64(out var number))
            {
                return PollProblems.InvalidRequest($"'{jsonName}' must be an integer.");
            }

            value = number;
            return null;
        }

        if (String(jsonName, formName, out var text) is { } problem)
        {
            return problem;
        }

        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var parsed))
        {
            return PollProblems.InvalidRequest($"'{formName}' must be an integer.");
        }

        value = parsed;
        return null;
    }
}
