using System.Security.Cryptography;

namespace Solti.Matrix.Sending;

/// <summary>Transaction ids are minted once per logical send and reused across every retry and re-login.</summary>
public static class TransactionIds
{
    public static string New() => "solti-" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + "-" + RandomNumberGenerator.GetHexString(12, lowercase: true);
}
