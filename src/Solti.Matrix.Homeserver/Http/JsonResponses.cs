using System.Text.Encodings.Web;
using System.Text.Json;

namespace Solti.Matrix.Homeserver.Http;

/// <summary>Writes JSON bodies with Synapse's headers; no reflection-based serialization.</summary>
public static class JsonResponses
{
    public static async Task WriteAsync(HttpContext context, int status, JsonNode? body)
    {
        var response = context.Response;
        response.StatusCode = status;
        AddSynapseHeaders(response);
        if (status == StatusCodes.Status204NoContent)
        {
            return; // no body at all
        }

        response.ContentType = "application/json";
        var bytes = Serialize(body ?? new JsonObject());
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    /// <summary>UTF-8 JSON with non-ASCII text written as is, as Synapse writes it.</summary>
    public static byte[] Serialize(JsonNode node)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            node.WriteTo(writer);
        }

        return buffer.ToArray();
    }

    public static void AddSynapseHeaders(HttpResponse response)
    {
        response.Headers.CacheControl = "no-cache, no-store, must-revalidate";
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlAllowMethods = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
        response.Headers.AccessControlAllowHeaders = "X-Requested-With, Content-Type, Authorization, Date";
    }
}
