using Solti.Matrix.Errors;
using Solti.Matrix.Sessions;

namespace Solti.Matrix.Ansible.Host;

/// <summary>The binary's entry: picks the module from argv[0] (<c>AnsiballZ_&lt;name&gt;</c> or the symlink's name),
/// reads the args file (or stdin), validates, runs, and writes exactly one JSON object to stdout, masked. A stack trace
/// never reaches stdout; at verbosity ≥ 3 it goes to stderr.</summary>
public static class ModuleHost
{
    public const string CollectionName = "jackaltx.solti_matrix_mgr";

    public static async Task<int> RunAsync(string invokedAs, IReadOnlyList<string> args, IReadOnlyDictionary<string, IModule> modules, TextWriter stdout, TextWriter stderr, Func<Stream>? stdin = null)
    {
        var name = ModuleName(invokedAs);
        JsonObject raw;
        try
        {
            raw = ReadArguments(args, stdin);
        }
        catch (Exception e) when (e is IOException or JsonException or UnauthorizedAccessException or InvalidDataException)
        {
            return Write(stdout, Failed($"{name}: cannot read the module arguments: {e.Message}"), new NoLogMasker([]));
        }

        // Run as the binary itself (the controller-side action's installed copy), the module is named in the arguments.
        if (!modules.ContainsKey(name) && raw["_ansible_module_name"] is JsonValue named && named.TryGetValue<string>(out var fromArgs))
        {
            name = fromArgs[(fromArgs.LastIndexOf('.') + 1)..];
        }

        if (!modules.TryGetValue(name, out var module))
        {
            return Write(stdout, Failed($"unknown module '{name}': this binary serves {string.Join(", ", modules.Keys.Order(StringComparer.Ordinal))} (it is run through a symlink named after the module, or given _ansible_module_name)"), new NoLogMasker([]));
        }

        var internals = new JsonObject();
        foreach (var key in raw.Select(p => p.Key).Where(k => k.StartsWith("_ansible_", StringComparison.Ordinal)).ToList())
        {
            internals[key] = raw[key]?.DeepClone();
            raw.Remove(key);
        }

        var validation = new ArgumentValidator(name).Validate(module.Spec, raw);
        var masker = new NoLogMasker(validation.NoLogValues);
        var invocation = new JsonObject { ["module_args"] = NoLogMasker.Invocation(module.Spec, validation.Parameters) };
        if (validation.Errors.Count > 0)
        {
            var failed = Failed(validation.Errors[0]);
            if (validation.Errors.Count > 1)
            {
                failed["errors"] = new JsonArray([.. validation.Errors.Select(e => (JsonNode)e)]);
            }

            failed["invocation"] = invocation;
            return Write(stdout, failed, masker);
        }

        var context = new AnsibleModule(
            name,
            validation.Parameters,
            checkMode: internals["_ansible_check_mode"] is JsonValue c && c.GetValueKind() == JsonValueKind.True,
            diffMode: internals["_ansible_diff"] is JsonValue d && d.GetValueKind() == JsonValueKind.True,
            verbosity: internals["_ansible_verbosity"] is JsonValue v && v.TryGetValue<int>(out var level) ? level : 0);
        JsonObject result;
        try
        {
            result = await module.RunAsync(context, CancellationToken.None);
            result["changed"] ??= false;
        }
        catch (ModuleFailedException e)
        {
            result = Failed(e.Message, e.Extra);
        }
        catch (MatrixException e)
        {
            result = Failed(Describe(e), new JsonObject { ["errcode"] = e.Errcode, ["status"] = e.Status });
        }
        catch (CredentialCacheException e)
        {
            result = Failed("credential cache: " + e.Message);
        }
        catch (MatrixIdException e)
        {
            result = Failed(e.Message);
        }
        catch (Accounts.AccountAuthorityException e)
        {
            result = Failed(e.Message);
        }
        catch (Encryption.EncryptionException e)
        {
            result = Failed(e.Message);
        }
        catch (Exception e)
        {
            if (context.Verbosity >= 3)
            {
                await stderr.WriteLineAsync(masker.Apply(e.ToString()));
            }

            result = Failed($"{name}: unexpected {e.GetType().Name}: {e.Message}");
        }

        result["invocation"] = invocation;
        if (context.Warnings.Count > 0)
        {
            result["warnings"] = new JsonArray([.. context.Warnings.Select(w => (JsonNode)w)]);
        }

        if (context.Deprecations.Count > 0)
        {
            result["deprecations"] = context.Deprecations.DeepClone();
        }

        return context.Revealed.Count == 0
            ? Write(stdout, result, masker)
            : Write(stdout, result, new NoLogMasker([.. validation.NoLogValues, .. context.Revealed.Values]), context.Revealed);
    }

    /// <summary><c>AnsiballZ_matrix_event</c>, <c>/path/matrix_event</c> or <c>matrix_event.py</c> → <c>matrix_event</c>.</summary>
    public static string ModuleName(string invokedAs)
    {
        var name = Path.GetFileName(invokedAs);
        if (name.StartsWith("AnsiballZ_", StringComparison.Ordinal))
        {
            name = name["AnsiballZ_".Length..];
        }

        return name.EndsWith(".py", StringComparison.Ordinal) ? name[..^3] : name;
    }

    /// <summary>Matrix errors as operators read them: a 403 is a permission problem, not a login problem.</summary>
    public static string Describe(MatrixException e) => e switch
    {
        SessionRecoveryException => "authentication failed: " + e.Error,
        { Status: 403, Errcode: MatrixErrorCodes.Forbidden } => $"permission denied by the homeserver (HTTP 403 {e.Errcode}): {e.Error}",
        { Kind: FailureKind.Transient, Status: 0 } => $"no answer from the homeserver ({e.Errcode}): {e.Error}",
        _ => $"the homeserver refused (HTTP {e.Status} {e.Errcode}): {e.Error}",
    };

    /// <summary>The arguments file Ansible names in argv[1]; without one, the JSON on stdin (the controller-side
    /// action and pipelining hand it over there, so it is never in argv or in a file on the target).</summary>
    private static JsonObject ReadArguments(IReadOnlyList<string> args, Func<Stream>? stdin)
    {
        JsonNode? node;
        if (args.Count >= 1)
        {
            node = JsonNode.Parse(File.ReadAllText(args[0]));
        }
        else if (stdin is not null)
        {
            using var input = stdin();
            node = JsonNode.Parse(input);
        }
        else
        {
            throw new InvalidDataException("no arguments file was given (Ansible passes its path as the first argument) and no standard input to read them from");
        }

        var json = node as JsonObject ?? throw new InvalidDataException("the arguments are not a JSON object");
        return json["ANSIBLE_MODULE_ARGS"] is JsonObject wrapped ? (JsonObject)wrapped.DeepClone() : json;
    }

    private static JsonObject Failed(string message, JsonObject? extra = null)
    {
        var result = new JsonObject { ["failed"] = true, ["changed"] = false, ["msg"] = message };
        foreach (var (key, value) in extra ?? [])
        {
            result[key] = value?.DeepClone();
        }

        return result;
    }

    /// <param name="revealed">Secrets a parameter asked for, kept in their own top-level key (and masked everywhere else).</param>
    private static int Write(TextWriter stdout, JsonObject result, NoLogMasker masker, IReadOnlyDictionary<string, string>? revealed = null)
    {
        var masked = (JsonObject)masker.Apply(result)!;
        foreach (var (key, secret) in revealed ?? new Dictionary<string, string>())
        {
            if (result.ContainsKey(key))
            {
                masked[key] = secret;
            }
        }

        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            masked.WriteTo(writer);
        }

        stdout.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
        return result["failed"] is JsonValue f && f.GetValueKind() == JsonValueKind.True ? 1 : 0;
    }
}
