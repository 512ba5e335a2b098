using System.Net;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Testing;

/// <summary>A response as the tests look at it: status, headers and the JSON body (null when not JSON).</summary>
public sealed record ClientResponse(HttpStatusCode Status, HttpResponseHeaders Headers, string? ContentType, string Text, JsonNode? Json)
{
    public int Code => (int)Status;

    public JsonObject Object => Json as JsonObject ?? throw new InvalidOperationException($"not a JSON object: {Code} {Text}");

    public string? Errcode => (Json as JsonObject)?["errcode"]?.GetValue<string>();

    public string Str(string key) => Object[key]?.GetValue<string>() ?? throw new InvalidOperationException($"no '{key}' in {Text}");

    public override string ToString() => $"{Code} {Text}";
}
