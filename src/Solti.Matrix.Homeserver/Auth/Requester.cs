namespace Solti.Matrix.Homeserver.Auth;

/// <summary>Who made an authenticated request, and with which token.</summary>
public sealed record Requester(string UserId, string? DeviceId, long TokenId, string AccessToken, bool IsAdmin)
{
    /// <summary>The transaction-id scope: the device, or the token for device-less tokens.</summary>
    public string TxnScope(Configuration.TxnScope mode) =>
        mode == Configuration.TxnScope.Device && DeviceId is not null ? "device:" + UserId + "|" + DeviceId : "token:" + TokenId;
}
