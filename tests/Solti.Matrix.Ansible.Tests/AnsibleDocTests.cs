using Solti.Matrix.Ansible.Tests.Support;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests;

/// <summary><c>ansible-doc</c> on the installed collection: every module from its sidecar documentation, every role from
/// its <c>meta/argument_specs.yml</c>.</summary>
[Trait("tier", "package")]
[Collection("ansible")]
public sealed class AnsibleDocTests(InstalledCollection collection)
{
    [Theory]
    [InlineData("matrix_event", "transaction_id", "Post structured verification event")]
    [InlineData("synapse_device_info", "keep_latest", "Cleanup old ansible tokens")]
    [InlineData("synapse_info", "rooms_filter", "Everything, up to 1000 users and rooms")]
    [InlineData("synapse_registration_token", "uses_allowed", "A token for the onboarding week")]
    [InlineData("synapse_user", "update_password", "Ensure bot user exists with no rate limits")]
    [InlineData("synapse_user_info", "deactivated", "Every bot account")]
    [InlineData("matrix_token", "valid_for", "A persistent bot token with a stable device")]
    [InlineData("synapse_room_info", "server_name", "The ops room, by its short alias")]
    [InlineData("synapse_room", "moderators", "The ops room, with its topic and admins")]
    [InlineData("matrix_config", "exclusive_members", "Users and rooms of the ops homeserver")]
    [InlineData("synapse_config_check", "files", "Check one overlay against the main file")]
    public async Task Ansible_doc_shows_the_module_documentation(string module, string option, string example)
    {
        var text = await AnsibleDocAsync(module);

        Assert.Contains(module.ToUpperInvariant(), text, StringComparison.Ordinal);
        Assert.Contains(option, text, StringComparison.Ordinal);
        Assert.Contains(example, text, StringComparison.Ordinal);
        Assert.Contains("RETURN VALUES", text, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("synapse_config", "synapse_config_synapse_pythons")]
    [InlineData("synapse_user", "synapse_users")]
    [InlineData("hookshot_webhook", "hookshot_webhooks")]
    [InlineData("matrix_state", "matrix_state_rooms")]
    [InlineData("synapse_config", "synapse_homeserver_yaml")]
    [InlineData("synapse_config", "synapse_restart_on_config_change")]
    [InlineData("synapse_user", "synapse_admin_token")]
    [InlineData("hookshot_webhook", "hookshot_is_containerized")]
    public async Task Ansible_doc_shows_the_role_arguments(string role, string option)
    {
        var text = await AnsibleDocAsync(role, "-t", "role");

        Assert.Contains("ENTRY POINT: main", text, StringComparison.Ordinal);
        Assert.Contains(option, text, StringComparison.Ordinal);
    }

    private async Task<string> AnsibleDocAsync(string name, params string[] flags)
    {
        var start = ProcessRunner.StartInfo("ansible-doc", [.. flags, "jackaltx.solti_matrix_mgr." + name]);
        start.Environment["ANSIBLE_COLLECTIONS_PATH"] = collection.CollectionsPath;
        start.Environment["ANSIBLE_NOCOLOR"] = "1";
        var run = await ProcessRunner.RunAsync(start);
        Assert.True(run.ExitCode == 0, $"ansible-doc {name} failed: {run.Stderr}");
        return run.Stdout;
    }
}
