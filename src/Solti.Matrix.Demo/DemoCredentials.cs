namespace Solti.Matrix.Demo;

/// <summary>Demo-only credentials for the throwaway embedded server.</summary>
public static class DemoCredentials
{
    public const string AdminPassword = "demo-admin-pass";
    public const string BotPassword = "demo-bot-pass";
}
