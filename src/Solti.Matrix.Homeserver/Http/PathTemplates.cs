namespace Solti.Matrix.Homeserver.Http;

/// <summary>A path with its identifiers replaced by placeholders (<c>/rooms/{roomId}/typing/{userId}</c>), so requests
/// to one endpoint share one template whatever room, user or transaction they name.</summary>
public static class PathTemplates
{
    /// <summary>Segments after these name a transaction, a device, a filter, … (no sigil tells them apart).</summary>
    private static readonly Dictionary<string, string> NamedAfter = new(StringComparer.Ordinal)
    {
        ["devices"] = "{deviceId}",
        ["filter"] = "{filterId}",
        ["sendToDevice"] = "{eventType}",
        ["send"] = "{eventType}",
        ["state"] = "{eventType}",
        ["account_data"] = "{type}",
        ["receipt"] = "{receiptType}",
        ["version"] = "{version}",
        ["download"] = "{serverName}",
        ["thumbnail"] = "{serverName}",
    };

    /// <summary>Segments two after these: the transaction id or state key.</summary>
    private static readonly Dictionary<string, string> NamedTwoAfter = new(StringComparer.Ordinal)
    {
        ["send"] = "{txnId}",
        ["sendToDevice"] = "{txnId}",
        ["redact"] = "{txnId}",
        ["state"] = "{stateKey}",
    };

    public static string Of(string path)
    {
        var segments = path.Split('/');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = Uri.UnescapeDataString(segments[i]);
            var previous = i > 0 ? segments[i - 1] : "";
            segments[i] = segment switch
            {
                { Length: 0 } => segment,
                _ when segment[0] == '@' => "{userId}",
                _ when segment[0] == '!' => "{roomId}",
                _ when segment[0] == '$' => "{eventId}",
                _ when segment[0] == '#' => "{roomAlias}",
                _ when NamedAfter.TryGetValue(previous, out var name) => name,
                _ when i >= 2 && NamedTwoAfter.TryGetValue(segments[i - 2], out var name) => name,
                _ => segment,
            };
        }

        return string.Join('/', segments);
    }
}
