using System.Text.Json.Nodes;
using Solti.Matrix.Ansible.Host;
using Solti.Matrix.Ansible.Tests.Support;

namespace Solti.Matrix.Ansible.Tests;

/// <summary>The module host's argument handling, masking and result document, run as Ansible runs a binary module.</summary>
[Trait("tier", "unit")]
public sealed class ModuleHostTests : IDisposable
{
    private static readonly Dictionary<string, IModule> Modules = new() { ["sample"] = new SampleModule() };
    private readonly string _dir = Directory.CreateTempSubdirectory("solti-host-").FullName;

    private async Task<(int Code, JsonObject Result, string Stderr)> RunAsync(JsonObject args, string invokedAs = "/tmp/x/AnsiballZ_sample")
    {
        var path = Path.Combine(_dir, Guid.NewGuid().ToString("N") + ".json");
        await File.WriteAllTextAsync(path, args.ToJsonString());
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await ModuleHost.RunAsync(invokedAs, [path], Modules, stdout, stderr);
        var lines = stdout.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        return (code, JsonNode.Parse(lines[0])!.AsObject(), stderr.ToString());
    }

    private static string Msg(JsonObject result) => result["msg"]!.GetValue<string>();

    [Fact]
    public async Task Defaults_aliases_and_coercions_are_applied()
    {
        var (code, result, _) = await RunAsync(new JsonObject
        {
            ["n"] = "x",
            ["count"] = "3",
            ["ratio"] = "0.5",
            ["enabled"] = "yes",
            ["tags"] = "a,b",
            ["settings"] = "k1=v1 k2=v2",
            ["users"] = new JsonArray(new JsonObject { ["user_id"] = "@u:x", ["admin"] = "no" }),
        });

        Assert.Equal(0, code);
        var p = result["params"]!;
        Assert.Equal("x", p["name"]!.GetValue<string>());
        Assert.Equal(3, p["count"]!.GetValue<long>());
        Assert.Equal(0.5, p["ratio"]!.GetValue<double>());
        Assert.True(p["enabled"]!.GetValue<bool>());
        Assert.Equal("fast", p["mode"]!.GetValue<string>());
        Assert.Equal(["a", "b"], p["tags"]!.AsArray().Select(t => t!.GetValue<string>()));
        Assert.Equal("v2", p["settings"]!["k2"]!.GetValue<string>());
        Assert.False(p["users"]![0]!["admin"]!.GetValue<bool>());
        Assert.Null(p["users"]![0]!["password"]);
        Assert.True(result["changed"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Unknown_parameters_are_rejected_with_Ansibles_wording()
    {
        var (code, result, _) = await RunAsync(new JsonObject { ["name"] = "x", ["colour"] = "red" });
        Assert.Equal(1, code);
        Assert.True(result["failed"]!.GetValue<bool>());
        Assert.StartsWith("Unsupported parameters for (sample) module: colour. Supported parameters include: count, enabled, mode, name (n), other", Msg(result), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{}", "missing required arguments: name")]
    [InlineData("{\"name\":\"x\",\"count\":\"many\"}", "argument 'count' is of type <class 'str'> and we were unable to convert to int: <class 'str'> cannot be converted to an int")]
    [InlineData("{\"name\":\"x\",\"enabled\":\"maybe\"}", "argument 'enabled' is of type <class 'str'> and we were unable to convert to bool: The value 'maybe' is not a valid boolean.")]
    [InlineData("{\"name\":\"x\",\"mode\":\"medium\"}", "value of mode must be one of: fast, slow, got: medium")]
    [InlineData("{\"name\":\"x\",\"secret\":\"s3cret-1\",\"other\":\"o\"}", "parameters are mutually exclusive: secret|other")]
    [InlineData("{\"name\":\"x\",\"mode\":\"slow\"}", "mode is slow but all of the following are missing: ratio")]
    [InlineData("{\"name\":\"x\",\"users\":[{\"admin\":true}]}", "missing required arguments: user_id found in users[0]")]
    [InlineData("{\"name\":\"x\",\"users\":[{\"user_id\":\"@a:b\",\"colour\":1}]}", "users[0].colour. Supported parameters include: admin, password, user_id.")]
    [InlineData("{\"name\":\"x\",\"settings\":\"not a dict\"}", "dictionary requested, could not parse JSON or key=value")]
    [InlineData("{\"name\":\"x\",\"n\":\"y\"}", "Both option name and its alias n are set.")]
    public async Task Bad_input_fails_naming_the_parameter(string args, string expected)
    {
        var (code, result, _) = await RunAsync(JsonNode.Parse(args)!.AsObject());
        Assert.Equal(1, code);
        Assert.True(result["failed"]!.GetValue<bool>());
        Assert.Contains(expected, Msg(result), StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", result.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task No_log_values_are_masked_everywhere_and_replaced_in_the_invocation()
    {
        var (_, result, _) = await RunAsync(new JsonObject
        {
            ["name"] = "warn",
            ["secret"] = "hunter2-secret",
            ["users"] = new JsonArray(new JsonObject { ["user_id"] = "@u:x", ["password"] = "nested-pass-9" }),
            ["settings"] = new JsonObject { ["note"] = "contains hunter2-secret inside" },
        });

        var text = result.ToJsonString();
        Assert.DoesNotContain("hunter2-secret", text, StringComparison.Ordinal);
        Assert.DoesNotContain("nested-pass-9", text, StringComparison.Ordinal);
        Assert.Equal("the secret is ********", result["echo"]!.GetValue<string>());
        var args = result["invocation"]!["module_args"]!;
        Assert.Equal("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", args["secret"]!.GetValue<string>());
        Assert.Equal("VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", args["users"]![0]!["password"]!.GetValue<string>());
        Assert.Equal("careful: ********", result["warnings"]![0]!.GetValue<string>());
        Assert.Equal("2.0.0", result["deprecations"]![0]!["version"]!.GetValue<string>());
    }

    [Fact]
    public async Task Check_and_diff_mode_come_from_the_internal_keys_which_are_never_parameters()
    {
        var (code, result, _) = await RunAsync(new JsonObject
        {
            ["name"] = "x",
            ["_ansible_check_mode"] = true,
            ["_ansible_diff"] = true,
            ["_ansible_verbosity"] = 2,
            ["_ansible_module_name"] = "sample",
            ["_ansible_tmpdir"] = "/tmp/x",
        });

        Assert.Equal(0, code);
        Assert.True(result["check_mode"]!.GetValue<bool>());
        Assert.True(result["diff_mode"]!.GetValue<bool>());
        Assert.False(result["changed"]!.GetValue<bool>());
        Assert.False(result["params"]!.AsObject().ContainsKey("_ansible_check_mode"));
    }

    [Fact]
    public async Task An_unexpected_error_is_a_failed_result_with_no_stack_trace_and_the_trace_goes_to_stderr_at_vvv()
    {
        var (code, result, stderr) = await RunAsync(new JsonObject { ["name"] = "explode", ["secret"] = "s3cr3t-value" });
        Assert.Equal(1, code);
        Assert.Equal("sample: unexpected InvalidOperationException: boom with ********", Msg(result));
        Assert.Empty(stderr);

        var (_, _, verbose) = await RunAsync(new JsonObject { ["name"] = "explode", ["secret"] = "s3cr3t-value", ["_ansible_verbosity"] = 3 });
        Assert.Contains("InvalidOperationException", verbose, StringComparison.Ordinal);
        Assert.DoesNotContain("s3cr3t-value", verbose, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_revealed_secret_stays_in_its_own_key_and_is_masked_everywhere_else()
    {
        var (code, result, _) = await RunAsync(new JsonObject { ["name"] = "reveal", ["other"] = "abc123" });
        Assert.Equal(0, code);
        Assert.Equal("tok-abc123", result["token"]!.GetValue<string>());
        Assert.Equal("the token is ********", result["echo"]!.GetValue<string>());
    }

    [Fact]
    public void A_valid_token_reference_is_not_masked_and_anything_else_under_its_scheme_is()
    {
        var masker = new NoLogMasker(["solti-cache:v1:@admin:example.com", "solti-cache:v2:@admin:example.com", "s3cr3t"]);
        Assert.Equal("solti-cache:v1:@admin:example.com ******** ********", masker.Apply("solti-cache:v1:@admin:example.com solti-cache:v2:@admin:example.com s3cr3t"));
    }

    [Fact]
    public async Task The_module_is_chosen_by_argv0_and_an_unknown_name_fails_clearly()
    {
        var (code, result, _) = await RunAsync(new JsonObject { ["name"] = "x" }, invokedAs: "/usr/lib/collection/plugins/modules/sample");
        Assert.Equal(0, code);
        Assert.Equal("x", result["params"]!["name"]!.GetValue<string>());

        var (unknownCode, unknown, _) = await RunAsync(new JsonObject(), invokedAs: "/tmp/AnsiballZ_nothing");
        Assert.Equal(1, unknownCode);
        Assert.Contains("unknown module 'nothing'", Msg(unknown), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Arguments_wrapped_in_ANSIBLE_MODULE_ARGS_are_accepted_and_a_missing_file_fails_clearly()
    {
        var (code, result, _) = await RunAsync(new JsonObject { ["ANSIBLE_MODULE_ARGS"] = new JsonObject { ["name"] = "wrapped" } });
        Assert.Equal(0, code);
        Assert.Equal("wrapped", result["params"]!["name"]!.GetValue<string>());

        using var stdout = new StringWriter();
        Assert.Equal(1, await ModuleHost.RunAsync("AnsiballZ_sample", [Path.Combine(_dir, "missing.json")], Modules, stdout, TextWriter.Null));
        Assert.Contains("cannot read the module arguments", stdout.ToString(), StringComparison.Ordinal);
    }

    /// <summary>How the collection's action runs the binary: under its own name, no file, the arguments on stdin.</summary>
    [Fact]
    public async Task Without_a_file_the_arguments_come_from_stdin_and_name_the_module()
    {
        var args = new JsonObject { ["ANSIBLE_MODULE_ARGS"] = new JsonObject { ["name"] = "piped", ["_ansible_module_name"] = "jackaltx.solti_matrix_mgr.sample" } };
        using var stdout = new StringWriter();
        var code = await ModuleHost.RunAsync("/home/u/.ansible/solti_matrix/1.0.0-x86_64-0123/solti-matrix-module", [], Modules, stdout, TextWriter.Null,
            () => new MemoryStream(System.Text.Encoding.UTF8.GetBytes(args.ToJsonString())));

        Assert.Equal(0, code);
        Assert.Equal("piped", JsonNode.Parse(stdout.ToString())!["params"]!["name"]!.GetValue<string>());

        using var nothing = new StringWriter();
        Assert.Equal(1, await ModuleHost.RunAsync("solti-matrix-module", [], Modules, nothing, TextWriter.Null, () => new MemoryStream("{}"u8.ToArray())));
        Assert.Contains("unknown module 'solti-matrix-module'", nothing.ToString(), StringComparison.Ordinal);
    }

    public void Dispose() => Directory.Delete(_dir, recursive: true);
}
