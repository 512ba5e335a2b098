using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_register</c> from playbooks: shared-secret registration with no token, idempotent, check mode
/// writing nothing, a wrong secret, bad input; the secret and the password never in the output.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseRegisterPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_register", "register", adminToken: false)
{
    protected const string Secret = "reg-shared-s3cret-value";

    protected override Func<HomeserverOptions, HomeserverOptions>? Configure => o => o with { RegistrationSharedSecret = Secret };

    private static string Task(string username, string secret = Secret, string extra = "") =>
        $"registration_shared_secret: {secret}\nusername: \"{username}\"\npassword: dave-pass-123{extra}";

    private static void NoSecrets(PlaybookRun run)
    {
        Assert.DoesNotContain(Secret, run.Stdout + run.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("dave-pass-123", run.Stdout + run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registers_once_then_reports_no_change_and_check_mode_writes_nothing()
    {
        var check = await RunAsync(Task("@dave:localhost", extra: "\nadmin: true\ndisplayname: Dave"), "--check");
        Assert.True(check.Task("register")["changed"]!.GetValue<bool>(), check.ToString());
        Assert.True(check.Task("register")["created"]!.GetValue<bool>());
        Assert.Null(await AccountAsync("@dave:localhost"));

        var created = await RunAsync(Task("@dave:localhost", extra: "\nadmin: true\ndisplayname: Dave"));
        var result = created.Task("register");
        Assert.True(result["changed"]!.GetValue<bool>(), created.ToString());
        Assert.Equal("@dave:localhost", result["user_id"]!.GetValue<string>());
        var account = await AccountAsync("@dave:localhost");
        Assert.True(MatrixTestClient.Flag(account!["admin"]));
        Assert.Equal("Dave", account["displayname"]!.GetValue<string>());
        Assert.Equal("@dave:localhost", (await Hs.Client.LoginAsync("dave", "dave-pass-123")).UserId);
        NoSecrets(created);

        // The same task again, and with a local part: no change, never an error; the password is not touched.
        var again = await RunAsync(Task("@dave:localhost", extra: "\nadmin: true"));
        Assert.False(again.Task("register")["changed"]!.GetValue<bool>(), again.ToString());
        Assert.False(again.Task("register")["created"]!.GetValue<bool>());
        var byLocalpart = (await RunAsync("registration_shared_secret: " + Secret + "\nusername: dave\npassword: another-pass")).Task("register");
        Assert.False(byLocalpart["changed"]!.GetValue<bool>(), byLocalpart.ToJsonString());
        Assert.Equal("@dave:localhost", (await Hs.Client.LoginAsync("dave", "dave-pass-123")).UserId); // the first password still works

        var checkExisting = await RunAsync(Task("@dave:localhost"), "--check");
        Assert.False(checkExisting.Task("register")["changed"]!.GetValue<bool>(), checkExisting.ToString());
        NoSecrets(checkExisting);
    }

    [Fact]
    public async Task A_bot_by_local_part_gets_its_user_id_back()
    {
        var run = await RunAsync(Task("robot", extra: "\nuser_type: bot"));
        var result = run.Task("register");
        Assert.True(result["changed"]!.GetValue<bool>(), run.ToString());
        Assert.Equal("@robot:localhost", result["user_id"]!.GetValue<string>());
        Assert.Equal("bot", (await AccountAsync("@robot:localhost"))!["user_type"]!.GetValue<string>());
    }

    [Fact]
    public async Task A_wrong_secret_fails_with_the_servers_errcode_and_never_shows_a_secret()
    {
        var run = await RunAsync(Task("@dave:localhost", secret: "not-the-secret-at-all"));
        var result = run.Task("register");
        Assert.True(result["failed"]!.GetValue<bool>(), run.ToString());
        Assert.Equal("M_FORBIDDEN", result["errcode"]!.GetValue<string>());
        Assert.Contains("registration shared secret is wrong", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("not-the-secret-at-all", run.Stdout + run.Stderr, StringComparison.Ordinal);
        NoSecrets(run);
        Assert.Null(await AccountAsync("@dave:localhost"));
    }

    [Fact]
    public async Task Bad_input_fails_clearly_before_any_request()
    {
        var spaced = (await RunAsync(Task("dave smith"))).Task("register");
        Assert.True(spaced["failed"]!.GetValue<bool>());
        Assert.Contains("username must be a user's local part", spaced["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        await FailsAsync(Task("dave", extra: "\nuser_type: robot"), "user_type must be bot, support or none");
        await FailsAsync("username: dave\npassword: x", "registration_shared_secret");
        await FailsAsync(Task("dave", extra: "\naccess_token: abc"), "access_token");
    }
}

/// <summary>The same <c>synapse_register</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseRegisterPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseRegisterPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}

/// <summary><c>synapse_register</c> where it cannot register: a homeserver without a shared secret, and one that
/// delegates authentication to MAS.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseRegisterRefusedPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_register", "register", adminToken: false)
{
    [Fact]
    public async Task Without_a_shared_secret_it_says_shared_secret_registration_is_not_enabled()
    {
        var run = await RunAsync("registration_shared_secret: some-secret\nusername: dave\npassword: dave-pass");
        var result = run.Task("register");
        Assert.True(result["failed"]!.GetValue<bool>(), run.ToString());
        Assert.Contains("shared-secret registration is not enabled", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("some-secret", run.Stdout, StringComparison.Ordinal);
    }
}

/// <summary>On a homeserver that delegates authentication to MAS, MAS registers users: the module says so and how.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseRegisterOnMasPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_register", "register", adminToken: false)
{
    protected override Func<HomeserverOptions, HomeserverOptions>? Configure => o => o with { RegistrationSharedSecret = "mas-side-secret" };

    protected override bool OnMas => true;

    [Fact]
    public async Task It_fails_naming_mas_and_how_to_register_there()
    {
        var run = await PlayAsync("""
            - name: register
              jackaltx.solti_matrix_mgr.synapse_register:
                homeserver_url: "{{ hs_url }}"
                registration_shared_secret: mas-side-secret
                username: dave
                password: dave-pass
            """);
        var result = run.Task("register");
        Assert.True(result["failed"]!.GetValue<bool>(), run.ToString());
        Assert.Contains("delegates authentication to MAS", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.Contains("mas-cli manage register-user", result["msg"]!.GetValue<string>(), StringComparison.Ordinal);
        Assert.DoesNotContain("mas-side-secret", run.Stdout, StringComparison.Ordinal);
    }
}
