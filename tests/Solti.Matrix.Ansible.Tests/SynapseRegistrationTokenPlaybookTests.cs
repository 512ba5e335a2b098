using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Homeserver.Configuration;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>synapse_registration_token</c> from playbooks: create, unchanged re-run, one-field change, check mode, absent.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public class SynapseRegistrationTokenPlaybookTests(InstalledCollection collection) : ModulePlaybookTest(collection, "synapse_registration_token", "token")
{
    /// <summary>The token as the server has it, in Synapse's terms: on MAS, MAS's user registration token
    /// (<c>usage_limit</c>, <c>expires_at</c>), none when revoked, as MAS revokes where Synapse deletes (docs/mas.md).</summary>
    private async Task<JsonObject?> ServerTokenAsync(string token)
    {
        if (OnMas)
        {
            var found = (await MasAsync("user-registration-tokens")).Object["data"]!.AsArray().Select(t => t!["attributes"]!).SingleOrDefault(a => a["token"]!.GetValue<string>() == token);
            return found is null || found["revoked_at"] is not null ? null : new JsonObject
            {
                ["uses_allowed"] = found["usage_limit"]?.DeepClone(),
                ["expiry_time"] = found["expires_at"] is JsonValue at ? DateTimeOffset.Parse(at.GetValue<string>(), System.Globalization.CultureInfo.InvariantCulture).ToUnixTimeMilliseconds() : null,
            };
        }

        var response = await Hs.Client.GetAsync("/_synapse/admin/v1/registration_tokens/" + MatrixTestClient.Enc(token), Admin.AccessToken);
        return response.Code == 404 ? null : response.Object;
    }

    [Fact]
    public async Task Create_rerun_change_one_field_and_remove()
    {
        var check = (await RunAsync("token: onboarding\nuses_allowed: 5", "--check")).Task("token");
        Assert.True(check["changed"]!.GetValue<bool>());
        Assert.Null(await ServerTokenAsync("onboarding"));

        var created = (await RunAsync("token: onboarding\nuses_allowed: 5")).Task("token");
        Assert.True(created["changed"]!.GetValue<bool>());
        Assert.Equal(5, (await ServerTokenAsync("onboarding"))!["uses_allowed"]!.GetValue<int>());

        var unchanged = (await RunAsync("token: onboarding\nuses_allowed: 5")).Task("token");
        Assert.False(unchanged["changed"]!.GetValue<bool>());

        var expiry = DateTimeOffset.UtcNow.AddDays(7).ToUnixTimeMilliseconds();
        var checkChange = (await RunAsync("token: onboarding\nuses_allowed: 9", "--check", "--diff")).Task("token");
        Assert.True(checkChange["changed"]!.GetValue<bool>());
        Assert.Equal(5, (await ServerTokenAsync("onboarding"))!["uses_allowed"]!.GetValue<int>());

        var changed = (await RunAsync($"token: onboarding\nuses_allowed: 9\nexpiry_time: {expiry}\nstate: present", "--diff")).Task("token");
        Assert.True(changed["changed"]!.GetValue<bool>());
        Assert.Equal(["expiry_time", "uses_allowed"], changed["changes"]!.AsArray().Select(c => c!.GetValue<string>()).Order(StringComparer.Ordinal));
        Assert.Equal(5, changed["diff"]!["before"]!["uses_allowed"]!.GetValue<int>());
        Assert.Equal(9, changed["diff"]!["after"]!["uses_allowed"]!.GetValue<int>());
        var server = await ServerTokenAsync("onboarding");
        Assert.Equal(expiry, server!["expiry_time"]!.GetValue<long>());

        // Omitting a field leaves it as it is.
        var partial = (await RunAsync("token: onboarding")).Task("token");
        Assert.False(partial["changed"]!.GetValue<bool>());
        Assert.Equal(9, (await ServerTokenAsync("onboarding"))!["uses_allowed"]!.GetValue<int>());

        var listed = (await RunAsync("state: list")).Task("token");
        Assert.Equal(["onboarding"], listed["registration_tokens"]!.AsArray().Select(t => t!["token"]!.GetValue<string>()));

        Assert.True((await RunAsync("token: onboarding\nstate: absent")).Task("token")["changed"]!.GetValue<bool>());
        Assert.Null(await ServerTokenAsync("onboarding"));
        Assert.False((await RunAsync("token: onboarding\nstate: absent")).Task("token")["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Bad_input_fails_clearly()
    {
        await FailsAsync("state: absent", "state is absent but all of the following are missing: token");
        await FailsAsync("token: x\nuses_allowed: many", "argument 'uses_allowed' is of type <class 'str'>");
    }

    [Fact]
    public virtual async Task A_token_outside_the_documented_alphabet_is_refused()
    {
        var badToken = (await RunAsync("token: \"not valid!\"")).Task("token");
        Assert.True(badToken["failed"]?.GetValue<bool>() == true, badToken.ToJsonString());
        Assert.Equal("M_INVALID_PARAM", badToken["errcode"]!.GetValue<string>());
        Assert.Null(await ServerTokenAsync("not valid!"));
    }
}

/// <summary>The same <c>synapse_registration_token</c> playbook tests against the oldest Synapse we support (1.67's behaviour).</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseRegistrationTokenPlaybookTestsOnSynapse167(InstalledCollection collection) : SynapseRegistrationTokenPlaybookTests(collection)
{
    protected override Compatibility? Profile => Compatibility.Synapse167;
}

/// <summary>The same <c>synapse_registration_token</c> playbook tests on a homeserver that delegates authentication to MAS,
/// given MAS's admin client: the tokens are MAS's user registration tokens.</summary>
[Trait("tier", "integration")]
[Collection("ansible")]
public sealed class SynapseRegistrationTokenPlaybookTestsOnMas(InstalledCollection collection) : SynapseRegistrationTokenPlaybookTests(collection)
{
    protected override bool OnMas => true;
}
