namespace Solti.Matrix.Commands;

/// <summary><c>login</c>, <c>logout</c> and <c>whoami</c>.</summary>
public static class SessionCommands
{
    /// <summary>Logs in (with the cached or given device) and stores the session in the cache; prints no token.</summary>
    public static Command Login()
    {
        var command = new Command("login", "Log in with a password and keep the session in the credential cache (on --device-id when given, even when the cache holds a session on another device)");
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async () =>
        {
            using var client = ClientFactory.Create(parse, requireCredentials: true);
            var whoami = await client.WhoAmIAsync(cancellationToken);
            if (parse.GetValue(CliSettings.DeviceId) is { Length: > 0 } device && whoami["device_id"]?.GetValue<string>() != device)
            {
                await client.Session.LoginAsync(cancellationToken); // the cached session is on another device
                whoami = await client.WhoAmIAsync(cancellationToken);
            }

            CliOutput.Write(parse, Describe(whoami, client));
        }));
        return command;
    }

    public static Command WhoAmI()
    {
        var command = new Command("whoami", "Show the user and device of the session (healing it if needed)");
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async () =>
        {
            using var client = ClientFactory.Create(parse);
            CliOutput.Write(parse, Describe(await client.WhoAmIAsync(cancellationToken), client));
        }));
        return command;
    }

    /// <summary>Logs the device out on the server and forgets the cached session.</summary>
    public static Command Logout()
    {
        var command = new Command("logout", "Log the session's device out and remove it from the cache");
        command.SetAction((parse, cancellationToken) => CommandRunner.RunAsync(parse, async () =>
        {
            using var client = ClientFactory.Create(parse);
            var whoami = await client.WhoAmIAsync(cancellationToken);
            await client.LogoutAsync(cancellationToken);
            client.ForgetCachedSession();
            CliOutput.Write(parse, new JsonObject { ["logged_out"] = true, ["user_id"] = whoami["user_id"]?.DeepClone(), ["device_id"] = whoami["device_id"]?.DeepClone() });
        }));
        return command;
    }

    private static JsonObject Describe(JsonObject whoami, MatrixClient client) => new()
    {
        ["user_id"] = whoami["user_id"]?.DeepClone(),
        ["device_id"] = whoami["device_id"]?.DeepClone(),
        ["reauthenticated"] = client.Session.Reauthenticated,
    };
}
