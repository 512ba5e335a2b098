namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>A static OAuth 2.0 client of the emulated MAS (an entry of MAS's <c>clients</c> section). <paramref name="ClientId"/>
/// is a ULID; <paramref name="AuthMethod"/> is <c>client_secret_basic</c> or <c>client_secret_post</c>, and a token request
/// must authenticate that way.</summary>
public sealed record MasClient(string ClientId, string ClientSecret, string AuthMethod = MasClient.SecretBasic)
{
    public const string SecretBasic = "client_secret_basic";

    public const string SecretPost = "client_secret_post";
}
