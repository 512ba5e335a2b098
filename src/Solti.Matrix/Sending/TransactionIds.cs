namespace Solti.Matrix.Sending;

/// <summary>Transaction ids are minted once per logical send and reused across every retry and re-login.</summary>
public static class TransactionIds
{
    /// <summary>Milliseconds since the epoch and 48 random bits. The bits come from <see cref="Guid.NewGuid"/> (the
    /// kernel's random source), not from <c>RandomNumberGenerator</c>: on Linux that loads and initialises OpenSSL,
    /// which cost a one-shot send about 4 ms, a third of its time, for an id that needs to be unique, not secret.</summary>
    public static string New() => "solti-" + DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() + "-" + Guid.NewGuid().ToString("N")[..12];
}
