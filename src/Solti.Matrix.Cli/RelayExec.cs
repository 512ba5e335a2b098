using System.Runtime.InteropServices;

namespace Solti.Matrix.Cli;

/// <summary>In the one-shot CLI, <c>relay</c> replaces this process with <c>solti-matrix-relay</c> (next to this
/// binary, else on PATH) with the same arguments, so signals and exit codes are the relay's own.</summary>
public static partial class RelayExec
{
    public const string Binary = "solti-matrix-relay";

    public static int Exec(string[] args)
    {
        var beside = Path.Combine(AppContext.BaseDirectory, Binary);
        var path = File.Exists(beside) ? beside : Environment.GetEnvironmentVariable("PATH")?.Split(':').Select(d => Path.Combine(d, Binary)).FirstOrDefault(File.Exists);
        if (path is null)
        {
            throw new IOException($"{Binary} was not found next to solti-matrix or on PATH; it is built with the CLI (./build.sh) and serves `solti-matrix relay`");
        }

        var argv = new IntPtr[args.Length + 2];
        argv[0] = Marshal.StringToCoTaskMemUTF8(path);
        for (var i = 0; i < args.Length; i++)
        {
            argv[i + 1] = Marshal.StringToCoTaskMemUTF8(args[i]);
        }

        Console.Out.Flush();
        Console.Error.Flush();
        ExecV(argv[0], argv);
        throw new IOException($"cannot run {path}: {Marshal.GetLastPInvokeErrorMessage()}");
    }

    [LibraryImport("libc", EntryPoint = "execv", SetLastError = true)]
    private static partial int ExecV(IntPtr path, IntPtr[] argv);
}
