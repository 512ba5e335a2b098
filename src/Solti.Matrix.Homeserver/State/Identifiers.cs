using System.Security.Cryptography;
using System.Text;

namespace Solti.Matrix.Homeserver.State;

/// <summary>Ids in the formats Synapse mints them.</summary>
public static class Identifiers
{
    private const string Upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Letters = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
    private const string Alnum = Letters + "0123456789";

    public static string Random(string alphabet, int length) => RandomNumberGenerator.GetString(alphabet, length);

    public static string DeviceId() => Random(Upper, 10);

    public static string RoomId(string serverName) => $"!{Random(Letters, 18)}:{serverName}";

    public static string EventId()
    {
        Span<byte> bytes = stackalloc byte[32];
        RandomNumberGenerator.Fill(bytes);
        return "$" + Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary><c>syt_&lt;base64 localpart&gt;_&lt;random&gt;_&lt;random&gt;</c>, as Synapse's access tokens look.</summary>
    public static string AccessToken(string userId) => Token("syt", userId);

    public static string RefreshToken(string userId) => Token("syr", userId);

    /// <summary>24 letters, as Synapse's media ids.</summary>
    public static string MediaId() => Random(Letters, 24);

    public static string Nonce() => Random(Alnum, 32);

    public static string DeleteId() => Random(Letters, 16);

    public static string Localpart(string userId) => userId[1..userId.IndexOf(':', StringComparison.Ordinal)];

    private static string Token(string prefix, string userId)
    {
        var local = Convert.ToBase64String(Encoding.UTF8.GetBytes(Localpart(userId))).TrimEnd('=');
        return $"{prefix}_{local}_{Random(Letters, 20)}_{Random(Alnum, 6)}";
    }
}
