using System.Net;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Homeserver.Tests.Support;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The command line and the YAML config file, and a server started from them.</summary>
public sealed class ConfigurationTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "solti-config-" + Guid.NewGuid().ToString("N"));

    public ConfigurationTests() => Directory.CreateDirectory(_dir);

    private string Write(string yaml)
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    [Fact]
    public void Command_line_options_are_parsed_and_the_config_file_applied_under_them()
    {
        var config = Write("""
            server_name: from-file.test
            registration_shared_secret: s3cret
            refreshable_access_token_lifetime: 2m
            rc_message: {per_second: 1.5, burst_count: 4}
            rc_login:
              address: {per_second: 0, burst_count: 0}
            solti_homeserver:
              compat: synapse-1.67
              retry_after_header: true
              room_deletion_step_ms: 5
              seed_users: ["ops:ops-pass:admin"]
            """);
        var options = CommandLine.Parse(["--port", "0", "--server-name", "flag.test", "--seed-user", "bot:bot-pass", "--config", config, "--data-dir", _dir, "--bind", "127.0.0.2"]);

        Assert.Equal("flag.test", options.ServerName);
        Assert.Equal(0, options.Port);
        Assert.Equal(IPAddress.Parse("127.0.0.2"), options.BindAddress);
        Assert.Equal(_dir, options.DataDirectory);
        Assert.Equal("s3cret", options.RegistrationSharedSecret);
        Assert.Equal(TimeSpan.FromMinutes(2), options.RefreshableAccessTokenLifetime);
        Assert.Equal(new RateLimitSetting(1.5, 4), options.RateLimits.Message);
        Assert.True(options.RateLimits.LoginAddress.IsUnlimited);
        Assert.Equal(new RateLimitSetting(0.17, 3), options.RateLimits.LoginAccount);
        Assert.Equal(TxnScope.AccessToken, options.Compatibility.TxnScope);
        Assert.True(options.Compatibility.LegacyAdminUserFormat);
        Assert.True(options.Compatibility.RetryAfterHeader);
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.RoomDeletionStepDelay);
        Assert.Equal([new SeedUser("ops", "ops-pass", true), new SeedUser("bot", "bot-pass", false)], options.SeedUsers);
    }

    [Theory]
    [InlineData("rc_message: {per_second: fast}", "rc_message.per_second")]
    [InlineData("rc_message: 5", "rc_message must be a mapping")]
    [InlineData("solti_homeserver: {txn_scope: room}", "txn_scope")]
    [InlineData("solti_homeserver: {colour: blue}", "solti_homeserver.colour")]
    [InlineData("solti_homeserver: {bare_429: maybe}", "bare_429")]
    [InlineData("refreshable_access_token_lifetime: soon", "refreshable_access_token_lifetime")]
    [InlineData("key: [unclosed", "not valid YAML")]
    public void Bad_config_values_fail_naming_the_key(string yaml, string expected)
    {
        var error = Assert.Throws<ConfigurationException>(() => CommandLine.Parse(["--config", Write(yaml)]));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(new[] { "--port", "http" }, "--port")]
    [InlineData(new[] { "--seed-user", "nopassword" }, "--seed-user")]
    [InlineData(new[] { "--seed-user", "a:b:root" }, "admin")]
    [InlineData(new[] { "--bind", "localhost" }, "--bind")]
    [InlineData(new[] { "--frobnicate" }, "unknown option")]
    [InlineData(new[] { "--port" }, "needs a value")]
    public void Bad_options_fail_naming_the_option(string[] args, string expected)
    {
        var error = Assert.Throws<FormatException>(() => CommandLine.Parse(args));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_user_password_never_appears_in_an_error()
    {
        var error = Assert.Throws<FormatException>(() => SeedUser.Parse("a:hunter2:x:y"));
        Assert.DoesNotContain("hunter2", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_started_from_the_options_serves_the_seeded_users_and_limits()
    {
        var options = CommandLine.Parse(["--port", "0", "--seed-user", "ops:ops-pass:admin", "--config", Write("rc_message: {per_second: 0.1, burst_count: 1}")]);
        await using var server = await EmbeddedHomeserver.StartAsync(options);
        using var client = new MatrixTestClient(server.BaseAddress);

        var ops = await client.LoginAsync("ops", "ops-pass");
        var roomId = await client.CreateRoomAsync(ops.AccessToken);
        var limited = await client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/t", new System.Text.Json.Nodes.JsonObject(), ops.AccessToken);
        Assert.Equal(429, limited.Code);
        var user = await client.GetAsync("/_synapse/admin/v2/users/" + MatrixTestClient.Enc("@ops:localhost"), ops.AccessToken);
        Assert.True(user.Object["admin"]!.GetValue<bool>());
        Assert.Equal(IPAddress.Loopback.ToString(), server.BaseAddress.Host);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
