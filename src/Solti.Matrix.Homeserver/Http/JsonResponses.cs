using System.Text;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Homeserver.Http;

/// <summary>Writes JSON bodies with Synapse's headers; no reflection-based serialization.</summary>
public static class JsonResponses
{
    public static async Task WriteAsync(HttpContext context, int status, JsonNode? body)
    {
        var response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        AddSynapseHeaders(response);
        var bytes = Encoding.UTF8.GetBytes((body ?? new JsonObject()).ToJsonString());
        response.ContentLength = bytes.Length;
        await response.Body.WriteAsync(bytes, context.RequestAborted);
    }

    public static void AddSynapseHeaders(HttpResponse response)
    {
        response.Headers.CacheControl = "no-cache, no-store, must-revalidate";
        response.Headers.AccessControlAllowOrigin = "*";
        response.Headers.AccessControlAllowMethods = "GET, HEAD, POST, PUT, DELETE, OPTIONS";
        response.Headers.AccessControlAllowHeaders = "X-Requested-With, Content-Type, Authorization, Date";
    }
}
