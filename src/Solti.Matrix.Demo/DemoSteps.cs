using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;

namespace Solti.Matrix.Demo;

/// <summary>What the demo's flows share: numbered steps, HTTP calls to the homeserver (shown, tokens redacted), and
/// runs of the real CLI (shown, with their output).</summary>
public sealed class DemoSteps(HttpClient http, string cliPath, TextWriter output)
{
    private int _step;

    public Uri Homeserver => http.BaseAddress!;

    public string CliPath => cliPath;

    public TextWriter Output => output;

    public static JsonObject Login(string user, string password, string deviceId) => new()
    {
        ["type"] = "m.login.password",
        ["identifier"] = new JsonObject { ["type"] = "m.id.user", ["user"] = user },
        ["password"] = password,
        ["device_id"] = deviceId,
    };

    public async Task<int> DeviceCountAsync(string userId, string adminToken)
    {
        var devices = await CallAsync(HttpMethod.Get, $"/_synapse/admin/v2/users/{Uri.EscapeDataString(userId)}/devices", adminToken, show: false);
        return devices["total"]!.GetValue<int>();
    }

    public void Step(string title) => output.WriteLine($"{++_step}. {title}");

    public async Task<JsonObject> RunCliAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> env) =>
        JsonNode.Parse(await RunCliTextAsync(args, env)) as JsonObject ?? [];

    /// <summary>Runs the CLI, shows its command line and output, and returns its standard output.</summary>
    public async Task<string> RunCliTextAsync(IReadOnlyList<string> args, IReadOnlyDictionary<string, string> env)
    {
        output.WriteLine($"   $ solti-matrix {string.Join(' ', args.Select(a => a.Contains(' ', StringComparison.Ordinal) || a.Contains('{', StringComparison.Ordinal) ? $"'{a}'" : a))}");
        var start = new ProcessStartInfo(cliPath) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var (name, value) in env)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {cliPath}");
        var stdout = await process.StandardOutput.ReadToEndAsync();
        var stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        foreach (var line in stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            output.WriteLine($"   (stderr) {line}");
        }

        output.WriteLine($"   exit {process.ExitCode}: {stdout.Trim().Replace("\n", "\n   ", StringComparison.Ordinal)}");
        Require(process.ExitCode == 0, "solti-matrix succeeded");
        return stdout;
    }

    public async Task<JsonObject> CallAsync(HttpMethod method, string path, string? token, JsonObject? body = null, bool show = true, bool allowError = false)
    {
        using var request = new HttpRequestMessage(method, path);
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        if (body is not null)
        {
            request.Content = new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        var json = JsonNode.Parse(text) as JsonObject ?? [];
        if (show)
        {
            output.WriteLine($"   > {method} {path}");
            output.WriteLine($"   < {(int)response.StatusCode} {Redacted(json)}");
        }

        Require(response.IsSuccessStatusCode || allowError, $"{method} {path} succeeded (got {(int)response.StatusCode} {Redacted(json)})");
        return json;
    }

    /// <summary>Tokens are secrets, even in a demo.</summary>
    private static string Redacted(JsonObject json)
    {
        var copy = (JsonObject)json.DeepClone();
        foreach (var key in new[] { "access_token", "refresh_token" })
        {
            if (copy.ContainsKey(key))
            {
                copy[key] = "<redacted>";
            }
        }

        return Encoding.UTF8.GetString(Solti.Matrix.Homeserver.Http.JsonResponses.Serialize(copy));
    }

    public static void Require(bool condition, string what)
    {
        if (!condition)
        {
            throw new InvalidOperationException("expected: " + what);
        }
    }
}
