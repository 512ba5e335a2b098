namespace Solti.Matrix.Homeserver.Auth;

public enum AuthMode
{
    /// <summary>No access token needed.</summary>
    None,

    /// <summary>A valid access token is required.</summary>
    User,

    /// <summary>A valid access token of a server admin is required.</summary>
    Admin,
}
