namespace Solti.Matrix.Testing;

/// <summary>A logged-in device as the login answered: user, access token, device and the refresh token if asked for.</summary>
public sealed record Session(string UserId, string AccessToken, string DeviceId, string? RefreshToken);
