namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>Synapse's <c>account_validity</c> section: off by default; when on, <c>period</c> is required (the expiry the
/// admin API sets when it is not given). An expired account's requests are refused (403 <c>M_EXPIRED_ACCOUNT</c>).
/// Renewal emails are not sent.</summary>
public sealed record AccountValiditySettings
{
    public bool Enabled { get; init; }

    public TimeSpan? Period { get; init; }
}
