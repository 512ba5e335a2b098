using System.Net;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Homeserver.Tests;

/// <summary>The command line and the YAML config file, and a server started from them.</summary>
[Trait("tier", "integration")]
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
            retention:
              enabled: true
              default_policy: {min_lifetime: 1d, max_lifetime: 1y}
              allowed_lifetime_min: 1d
              allowed_lifetime_max: 2y
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
        Assert.Equal(new RetentionSettings { Enabled = true, DefaultMinLifetime = TimeSpan.FromDays(1), DefaultMaxLifetime = TimeSpan.FromDays(365), AllowedLifetimeMin = TimeSpan.FromDays(1), AllowedLifetimeMax = TimeSpan.FromDays(730) }, options.Retention);
        Assert.Equal(new RateLimitSetting(1.5, 4), options.RateLimits.Message);
        Assert.True(options.RateLimits.LoginAddress.IsUnlimited);
        Assert.Equal(new RateLimitSetting(0.17, 3), options.RateLimits.LoginAccount);
        Assert.Equal(TxnScope.AccessToken, options.Compatibility.TxnScope);
        Assert.True(options.Compatibility.LegacyAdminUserFormat);
        Assert.True(options.Compatibility.RetryAfterHeader);
        Assert.Equal(TimeSpan.FromMilliseconds(5), options.RoomDeletionStepDelay);
        Assert.Equal([new SeedUser("ops", "ops-pass", true), new SeedUser("bot", "bot-pass", false)], options.SeedUsers);
    }

    [Fact]
    public void Matrix_authentication_service_enables_the_MAS_emulation_set_up_under_solti_homeserver_mas()
    {
        var options = CommandLine.Parse(["--config", Write("""
            matrix_authentication_service: {enabled: true, endpoint: "http://localhost:8080/", secret: shared}
            solti_homeserver:
              mas:
                issuer: https://auth.example.test/
                passwords_enabled: false
                compat_token_ttl: 10m
                clients:
                  - {client_id: 01J5ADM1N00000000000000000, client_secret: s3cret}
                  - {client_id: 01J5ADM1N00000000000000001, client_secret: other, client_auth_method: client_secret_post}
                admin_clients: [01J5ADM1N00000000000000000]
            """)]);

        var mas = Assert.IsType<DelegatedAuthentication>(options.AuthenticationService);
        Assert.Equal((new Uri("https://auth.example.test/"), false), (mas.Issuer, mas.PasswordsEnabled));
        Assert.Equal([new MasClient("01J5ADM1N00000000000000000", "s3cret", MasClient.SecretBasic), new MasClient("01J5ADM1N00000000000000001", "other", MasClient.SecretPost)], mas.Clients);
        Assert.Equal(["01J5ADM1N00000000000000000"], mas.AdminClients);
        Assert.Equal((TimeSpan.FromMinutes(10), TimeSpan.FromSeconds(300)), (mas.CompatTokenTtl, mas.AccessTokenTtl));

        var plain = CommandLine.Parse(["--config", Write("matrix_authentication_service: {enabled: true, secret_path: /etc/secret}\n")]).AuthenticationService;
        Assert.Equal((null, true, 0), (plain?.Issuer, plain?.PasswordsEnabled, plain?.Clients.Count));
        Assert.Null(CommandLine.Parse(["--config", Write("matrix_authentication_service: {enabled: false}\nsolti_homeserver: {mas: {passwords_enabled: false}}\n")]).AuthenticationService);
    }

    [Theory]
    [InlineData("rc_message: {per_second: fast}", "rc_message.per_second")]
    [InlineData("rc_message: 5", "rc_message must be a mapping")]
    [InlineData("solti_homeserver: {txn_scope: room}", "txn_scope")]
    [InlineData("solti_homeserver: {colour: blue}", "solti_homeserver.colour")]
    [InlineData("solti_homeserver: {bare_429: maybe}", "bare_429")]
    [InlineData("refreshable_access_token_lifetime: soon", "refreshable_access_token_lifetime")]
    [InlineData("key: [unclosed", "not valid YAML")]
    [InlineData("matrix_authentication_service: {enabled: true}", "exactly one of 'secret' and 'secret_path'")]
    [InlineData("matrix_authentication_service: {enabled: true, secret: x, colour: blue}", "matrix_authentication_service.colour")]
    [InlineData("solti_homeserver: {mas: {colour: blue}}", "solti_homeserver.mas.colour")]
    [InlineData("solti_homeserver: {mas: {clients: [{client_id: not-a-ulid, client_secret: x}]}}", "must be a ULID")]
    [InlineData("solti_homeserver: {mas: {clients: [{client_id: 01J5ADM1N00000000000000000, client_secret: x, client_auth_method: private_key_jwt}]}}", "client_auth_method")]
    [InlineData("retention: {default_policy: {max_lifetime: forever}}", "retention.default_policy.max_lifetime must be a duration")]
    [InlineData("refreshable_access_token_lifetime: 1.5h", "whole number")]
    [InlineData("refreshable_access_token_lifetime: -5m", "refreshable_access_token_lifetime must be a duration")]
    [InlineData("retention: {default_policy: {min_lifetime: 2d, max_lifetime: 1d}}", "'min_lifetime' can not be greater than its 'max_lifetime'")]
    [InlineData("retention: {allowed_lifetime_min: 1y, allowed_lifetime_max: 1d}", "'allowed_lifetime_min' can not be greater than 'allowed_lifetime_max'")]
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

    [Theory]
    [InlineData("90000", 90_000)]
    [InlineData("90s", 90_000)]
    [InlineData("2w", 1_209_600_000)]
    public void Durations_are_whole_numbers_of_milliseconds_or_with_a_unit_as_Synapse_reads_them(string value, long milliseconds)
    {
        var options = CommandLine.Parse(["--config", Write($"refreshable_access_token_lifetime: {value}")]);

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), options.RefreshableAccessTokenLifetime);
    }

    [Fact]
    public void A_conf_d_directory_overlays_the_file_as_Synapse_reads_it()
    {
        var main = Write("""
            server_name: main.test
            registration_shared_secret: from-main
            rc_message: {per_second: 0.1, burst_count: 1}
            rc_login:
              address: {per_second: 0, burst_count: 0}
            """);
        var confD = Directory.CreateDirectory(Path.Combine(_dir, "conf.d")).FullName;
        File.WriteAllText(Path.Combine(confD, "20-rc.yaml"), "rc_message: {per_second: 0, burst_count: 0}\n");
        File.WriteAllText(Path.Combine(confD, "10-first.yaml"), "rc_message: {per_second: 5, burst_count: 5}\nrc_login:\n  account: {per_second: 1, burst_count: 2}\n");
        File.WriteAllText(Path.Combine(confD, "30-empty.yaml"), "");
        File.WriteAllText(Path.Combine(confD, "notes.yml"), "server_name: ignored.test\n");
        Directory.CreateDirectory(Path.Combine(confD, "old.yaml"));

        var options = CommandLine.Parse(["-c", main, "--config", confD]);

        Assert.Equal(("main.test", "from-main"), (options.ServerName, options.RegistrationSharedSecret));
        Assert.True(options.RateLimits.Message.IsUnlimited); // 20-rc.yaml comes after 10-first.yaml
        Assert.Equal(new RateLimitSetting(1, 2), options.RateLimits.LoginAccount);
        Assert.False(options.RateLimits.LoginAddress.IsUnlimited); // a top-level key is replaced whole, not merged
    }

    [Fact]
    public void A_bad_overlay_fails_naming_its_file_and_a_missing_path_fails()
    {
        var confD = Directory.CreateDirectory(Path.Combine(_dir, "conf.d")).FullName;
        File.WriteAllText(Path.Combine(confD, "50-bad.yaml"), "rc_message: {per_second: fast}\n");
        var error = Assert.Throws<ConfigurationException>(() => CommandLine.Parse(["-c", Write("server_name: a.test"), "-c", confD]));
        Assert.Contains("50-bad.yaml: rc_message.per_second", error.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", Assert.Throws<ConfigurationException>(() => CommandLine.Parse(["-c", Path.Combine(_dir, "nope.yaml")])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_rc_message_overlay_changes_the_limit_the_server_enforces_after_a_restart()
    {
        var main = Write("rc_message: {per_second: 0.1, burst_count: 1}\nsolti_homeserver: {seed_users: ['ops:ops-pass']}\n");
        var confD = Directory.CreateDirectory(Path.Combine(_dir, "conf.d")).FullName;

        async Task<int[]> SendThreeAsync()
        {
            await using var server = await EmbeddedHomeserver.StartAsync(CommandLine.Parse(["--port", "0", "-c", main, "-c", confD]));
            using var client = new MatrixTestClient(server.BaseAddress);
            var ops = await client.LoginAsync("ops", "ops-pass");
            var roomId = await client.CreateRoomAsync(ops.AccessToken);
            var codes = new int[3];
            for (var i = 0; i < 3; i++)
            {
                codes[i] = (await client.PutAsync($"/_matrix/client/v3/rooms/{MatrixTestClient.Enc(roomId)}/send/m.room.message/t{i}", new System.Text.Json.Nodes.JsonObject(), ops.AccessToken)).Code;
            }

            return codes;
        }

        Assert.Contains(429, await SendThreeAsync()); // createRoom used the one token of the burst
        File.WriteAllText(Path.Combine(confD, "90-rc_message.yaml"), "rc_message: {per_second: 10, burst_count: 50}\n");
        var codes = await SendThreeAsync();
        Assert.Equal(new[] { 200, 200, 200 }, codes);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
