using System.Text.Json.Nodes;
using Solti.Matrix.SynapseConfig;

namespace Solti.Matrix.Tests;

/// <summary>The checks the <c>synapse_config</c> role runs before a restart: Synapse's merge order and its rules.</summary>
[Trait("tier", "unit")]
public sealed class SynapseConfigCheckTests
{
    private static ConfigCheckResult Check(params (string Path, string Json)[] files) =>
        SynapseConfigCheck.Check([.. files.Select(f => new ConfigSource(f.Path, JsonNode.Parse(f.Json)))]);

    [Fact]
    public void Later_files_replace_whole_top_level_keys_and_a_valid_configuration_passes()
    {
        var result = Check(
            ("homeserver.yaml", """{"server_name": "example.com", "rc_login": {"address": {"per_second": 0.1, "burst_count": 3}}, "refreshable_access_token_lifetime": "5m"}"""),
            ("conf.d/10-a.yaml", """{"rc_login": {"account": {"per_second": 1, "burst_count": 2}}, "retention": {"enabled": true, "default_policy": {"min_lifetime": "1d", "max_lifetime": 31536000000}}}"""),
            ("conf.d/20-empty.yaml", "null"),
            ("conf.d/30-list.yaml", "[1, 2]"));

        Assert.Empty(result.Errors);
        Assert.Equal("conf.d/10-a.yaml", result.KeySources["rc_login"]);
        Assert.Equal("homeserver.yaml", result.KeySources["server_name"]);
        Assert.Equal(["conf.d/30-list.yaml: not a mapping of settings; Synapse ignores this file"], result.Warnings);
    }

    [Theory]
    [InlineData("""{"rc_mesage": {"per_second": 1}}""", "x.yaml: rc_mesage: not a rate-limit setting Synapse knows, so it would be ignored (did you mean rc_message?)")]
    [InlineData("""{"rc_message": {"per_second": -1}}""", "x.yaml: rc_message.per_second: expected a number of 0 or more")]
    [InlineData("""{"rc_message": {"per_sec": 1}}""", "x.yaml: rc_message.per_sec: not per_second or burst_count")]
    [InlineData("""{"rc_joins": {"locals": {"per_second": 1}}}""", "x.yaml: rc_joins.locals: not one of local, remote")]
    [InlineData("""{"rc_invites": 5}""", "x.yaml: rc_invites: expected a mapping")]
    [InlineData("""{"session_lifetime": "1.5h"}""", "x.yaml: session_lifetime: expected a duration")]
    [InlineData("""{"retention": {"default_policy": {"min_lifetime": "2d", "max_lifetime": "1d"}}}""", "x.yaml: retention.default_policy: min_lifetime can not be greater than max_lifetime")]
    [InlineData("""{"retention": {"allowed_lifetime_max": "soon"}}""", "x.yaml: retention.allowed_lifetime_max: expected a duration")]
    [InlineData("""{"registration_shared_secret": ""}""", "x.yaml: registration_shared_secret: expected a non-empty string")]
    [InlineData("""{"app_service_config_files": "/etc/a.yaml"}""", "x.yaml: app_service_config_files: expected a list of registration file paths")]
    [InlineData("""{"enable_registration": "yes"}""", "x.yaml: enable_registration: expected true or false")]
    [InlineData("""{"media_retention": {"local_media_lifetime": "90 days"}}""", "x.yaml: media_retention.local_media_lifetime: expected a duration")]
    [InlineData("""{"media_retention": {"remote_media_lifetime": true}}""", "x.yaml: media_retention.remote_media_lifetime: expected a duration")]
    [InlineData("""{"media_retention": {"local_lifetime": "90d"}}""", "x.yaml: media_retention.local_lifetime: not a media_retention setting Synapse knows (local_media_lifetime, remote_media_lifetime), so it would be ignored")]
    [InlineData("""{"media_retention": "90d"}""", "x.yaml: media_retention: expected a mapping")]
    [InlineData("""{"experimental_features": {"msc3202_transaction_extensions": "yes"}}""", "x.yaml: experimental_features.msc3202_transaction_extensions: expected true or false")]
    public void Each_error_names_the_file_and_the_key(string overlay, string expected)
    {
        var result = Check(("homeserver.yaml", """{"server_name": "example.com"}"""), ("x.yaml", overlay));
        Assert.Contains(result.Errors, e => e.StartsWith(expected, StringComparison.Ordinal));
    }

    [Fact]
    public void A_configuration_without_server_name_is_refused_and_no_value_is_ever_echoed()
    {
        var result = Check(("homeserver.yaml", """{"registration_shared_secret": 12345, "rc_message": {"per_second": "hunter2"}}"""));
        Assert.Contains("server_name: not set in any file (Synapse needs it)", result.Errors);
        Assert.DoesNotContain(result.Errors, e => e.Contains("hunter2", StringComparison.Ordinal) || e.Contains("12345", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("300", 300)]
    [InlineData("\"90s\"", 90_000)]
    [InlineData("\"2h\"", 7_200_000)]
    [InlineData("\"1y\"", 31_536_000_000)]
    [InlineData("\"5000\"", 5000)]
    public void Durations_are_read_as_Synapse_reads_them(string json, double milliseconds) =>
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), SynapseConfigCheck.Duration(JsonNode.Parse(json)!));

    [Fact]
    public void Media_retention_takes_durations_and_null()
    {
        Assert.Empty(Check(("x.yaml", """{"server_name": "e.com", "media_retention": {"local_media_lifetime": "90d", "remote_media_lifetime": 1209600000}}""")).Errors);
        Assert.Empty(Check(("x.yaml", """{"server_name": "e.com", "media_retention": {"local_media_lifetime": null}}""")).Errors);
    }

    [Fact]
    public void Appservice_encryption_names_each_experimental_feature_that_is_not_on()
    {
        var files = new[]
        {
            new ConfigSource("homeserver.yaml", JsonNode.Parse("""{"server_name": "e.com", "experimental_features": {"msc3202_transaction_extensions": false}}""")),
        };
        Assert.Empty(SynapseConfigCheck.Check(files).Errors);
        Assert.Equal(
        [
            "experimental_features.msc3202_device_masquerading: must be true for an appservice's encryption (hookshot's encryption), but no file sets it",
            "experimental_features.msc3202_transaction_extensions: must be true for an appservice's encryption (hookshot's encryption), but homeserver.yaml sets it to false",
            "experimental_features.msc2409_to_device_messages_enabled: must be true for an appservice's encryption (hookshot's encryption), but no file sets it",
        ], SynapseConfigCheck.Check(files, appserviceEncryption: true).Errors);

        var on = new[]
        {
            files[0],
            new ConfigSource("conf.d/50-solti-hookshot-encryption.yaml", JsonNode.Parse("""{"experimental_features": {"msc3202_device_masquerading": true, "msc3202_transaction_extensions": true, "msc2409_to_device_messages_enabled": true}}""")),
        };
        Assert.Empty(SynapseConfigCheck.Check(on, appserviceEncryption: true).Errors);
    }
}
