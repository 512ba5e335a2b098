using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Demo;

/// <summary>The data plane's flow: while the homeserver refuses every event, structured events are queued in the
/// durable outbox instead of being lost; once it recovers, the relay delivers them exactly once, in order.</summary>
public sealed class OutageFlow(DemoSteps steps)
{
    private const string DeviceId = "SOLTIDEMO";

    /// <summary>Runs the flow as the bot whose session is cached in <paramref name="cacheDir"/> (no login needed).</summary>
    public async Task RunAsync(string serverName, string cacheDir, string adminToken)
    {
        var alias = $"#solti-verify:{serverName}";
        var state = Directory.CreateTempSubdirectory("solti-demo-outbox-").FullName;
        var outbox = Path.Combine(state, "outbox.db");
        var env = new Dictionary<string, string>
        {
            ["MATRIX_HOMESERVER_URL"] = steps.Homeserver.ToString(),
            ["MATRIX_USER_ID"] = $"@solti-logger:{serverName}",
            ["MATRIX_PASSWORD"] = DemoCredentials.BotPassword,
        };
        string[] common = ["--outbox", outbox, "--cache-dir", cacheDir, "--device-id", DeviceId];
        try
        {
            steps.Step("An outage: the homeserver answers every event send with 503");
            await steps.CallAsync(HttpMethod.Post, "/_solti/testing/v1/faults", adminToken, new JsonObject { ["endpoint"] = "rooms.send", ["status"] = 503, ["count"] = null });

            steps.Step("solti-matrix event send --spool on_failure: after its 2 s budget each event is queued on disk, not lost");
            var deploy = """{"service":"nginx","host":"web1","playbook":"site.yml","operator":"ops"}""";
            foreach (var (schema, data) in new[] { ("deploy.start.v1", deploy), ("deploy.complete.v1", deploy[..^1] + ""","duration":42,"status":"success"}""") })
            {
                var queued = await steps.RunCliAsync(["event", "send", alias, "-s", schema, "-d", data, "--source", "demo", "--spool", "on_failure", "--budget", "2", .. common, "--output", "json"], env);
                DemoSteps.Require(queued["queued"]?.GetValue<bool>() == true, $"the {schema} event was queued");
            }

            var status = await steps.RunCliAsync(["outbox", "status", .. common, "--output", "json"], env);
            DemoSteps.Require(status["pending"]!.GetValue<long>() == 2, "two events wait in the outbox");

            steps.Step("The homeserver recovers; solti-matrix relay drains the outbox, then stops on SIGTERM");
            await steps.CallAsync(HttpMethod.Delete, "/_solti/testing/v1/faults", adminToken);
            await RelayAsync(env, common);

            steps.Step("solti-matrix events tail: both events are in the room, once each, in order");
            var tail = await steps.RunCliTextAsync(["events", "tail", alias, "--schema", "deploy.", .. common], env);
            var lines = tail.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            DemoSteps.Require(lines.Length == 2 && lines[0].Contains("STARTED", StringComparison.Ordinal) && lines[1].Contains("COMPLETED", StringComparison.Ordinal),
                "the start and then the completion, once each");
        }
        finally
        {
            Directory.Delete(state, recursive: true);
        }
    }

    private async Task RelayAsync(Dictionary<string, string> env, string[] common)
    {
        var start = new ProcessStartInfo(steps.CliPath) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var arg in (string[])["relay", "--listen", "127.0.0.1:0", .. common])
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in env)
        {
            start.Environment[name] = value;
        }

        steps.Output.WriteLine($"   $ solti-matrix {string.Join(' ', start.ArgumentList)} &");
        using var relay = Process.Start(start) ?? throw new InvalidOperationException("cannot start the relay");
        try
        {
            var announced = await relay.StandardError.ReadLineAsync() ?? "";
            steps.Output.WriteLine($"   (stderr) {announced}");
            var address = announced.Split(' ').FirstOrDefault(word => word.StartsWith("http://", StringComparison.Ordinal))?.TrimEnd(',')
                ?? throw new InvalidOperationException("the relay did not say where it listens: " + announced);
            // The relay serves only holders of its bearer token, which it generated into the file its start line names.
            const string marker = "token file ";
            var tokenFile = announced[(announced.IndexOf(marker, StringComparison.Ordinal) is var at and >= 0 ? at + marker.Length : throw new InvalidOperationException("the relay did not name its token file: " + announced))..].Trim();
            using var http = new HttpClient { BaseAddress = new Uri(address) };
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", File.ReadLines(tokenFile).First());
            steps.Output.WriteLine($"   (producers and readers send Authorization: Bearer <the first line of {tokenFile}>)");
            JsonObject? status = null;
            for (var i = 0; i < 100 && status?["pending"]?.GetValue<long>() != 0; i++)
            {
                await Task.Delay(100);
                status = await http.GetFromJsonAsync<JsonObject>("/v1/status");
            }

            steps.Output.WriteLine($"   GET {address}/v1/status → {status?.ToJsonString()}");
            DemoSteps.Require(status?["pending"]?.GetValue<long>() == 0 && status["delivered"]?.GetValue<long>() == 2, "the relay delivered both events");
            var metrics = (await http.GetStringAsync("/metrics")).Split('\n').Where(line => line.StartsWith("solti_relay_delivered_total", StringComparison.Ordinal) || line.StartsWith("solti_relay_queued", StringComparison.Ordinal));
            steps.Output.WriteLine($"   GET {address}/metrics → {string.Join(", ", metrics)}");
        }
        finally
        {
            Process.Start("kill", ["-TERM", relay.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)])!.WaitForExit();
            await relay.WaitForExitAsync();
            steps.Output.WriteLine($"   relay stopped (exit {relay.ExitCode}): {(await relay.StandardError.ReadToEndAsync()).Trim()}");
        }
    }
}
