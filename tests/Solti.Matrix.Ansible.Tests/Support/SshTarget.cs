using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>A remote target on this machine: Debian's sshd on 127.0.0.1 (a free port) with a host key and a client key
/// it makes, a login account and a second account it may become with sudo. Every command an ssh session runs is
/// recorded (a ForceCommand that logs <c>SSH_ORIGINAL_COMMAND</c>, then runs it), which is what the target's process
/// list sees of a task. Needs root (it creates the accounts); removes them again when disposed.</summary>
public sealed class SshTarget : IDisposable
{
    public const string User = "solti-ssh";
    public const string BecomeUser = "solti-ssh-become";
    private const string Sudoers = "/etc/sudoers.d/solti-ssh-tests";
    private readonly Process _sshd;

    public SshTarget()
    {
        if (System.Environment.UserName != "root")
        {
            throw new InvalidOperationException("the remote-target tests start sshd and create two local accounts: run them as root (./build.sh test does, in CI)");
        }

        Dir = Directory.CreateTempSubdirectory("solti-ssh-").FullName;
        File.SetUnixFileMode(Dir, (UnixFileMode)Convert.ToInt32("755", 8));
        ClientKey = Path.Combine(Dir, "client_key");
        CommandLog = Path.Combine(Dir, "commands.log");
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", Path.Combine(Dir, "host_key"));
        Run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", ClientKey);
        File.Copy(ClientKey + ".pub", Path.Combine(Dir, "authorized_keys"));
        foreach (var user in new[] { User, BecomeUser })
        {
            if (Run("id", user).ExitCode != 0)
            {
                Check(Run("useradd", "--create-home", "--shell", "/bin/sh", user));
            }

            Check(Run("usermod", "-p", "*", user)); // no password, but not locked: sshd lets a locked account in by no key
        }

        File.WriteAllText(Sudoers, $"{User} ALL=({BecomeUser}) NOPASSWD: ALL\n");
        File.SetUnixFileMode(Sudoers, UnixFileMode.UserRead | UnixFileMode.GroupRead);
        File.WriteAllText(CommandLog, "");
        File.SetUnixFileMode(CommandLog, (UnixFileMode)Convert.ToInt32("666", 8));
        var recorder = Path.Combine(Dir, "record-command");
        FakeHostDir = Path.Combine(Dir, "fake-host");
        Directory.CreateDirectory(FakeHostDir);
        File.SetUnixFileMode(FakeHostDir, (UnixFileMode)Convert.ToInt32("755", 8));
        File.WriteAllText(recorder, $"""
            #!/bin/sh
            printf '%s\0' "$SSH_ORIGINAL_COMMAND" >> {CommandLog}
            [ -e {FakeHostDir}/uname ] && PATH="{FakeHostDir}:$PATH" && export PATH
            exec /bin/sh -c "$SSH_ORIGINAL_COMMAND"

            """);
        File.SetUnixFileMode(recorder, (UnixFileMode)Convert.ToInt32("755", 8));
        Port = LoopbackPorts.Free();
        var config = Path.Combine(Dir, "sshd_config");
        File.WriteAllText(config, $"""
            Port {Port}
            ListenAddress 127.0.0.1
            HostKey {Dir}/host_key
            AuthorizedKeysFile {Dir}/authorized_keys
            AllowUsers {User}
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            StrictModes no
            PidFile {Dir}/sshd.pid
            Subsystem sftp /usr/lib/openssh/sftp-server
            ForceCommand {recorder}
            """);
        Directory.CreateDirectory("/run/sshd");
        _sshd = Process.Start(new ProcessStartInfo("/usr/sbin/sshd", ["-D", "-e", "-f", config]) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        _sshd.ErrorDataReceived += (_, e) => { };
        _sshd.BeginErrorReadLine();
        WaitForPort();
        Inventory = Path.Combine(Dir, "inventory.ini");
        File.WriteAllText(Inventory, $"""
            [targets]
            target ansible_host=127.0.0.1 ansible_port={Port} ansible_user={User} ansible_ssh_private_key_file={ClientKey} ansible_ssh_common_args='-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null' ansible_python_interpreter=/usr/bin/python3

            """);
    }

    public string Dir { get; }

    public int Port { get; }

    public string ClientKey { get; }

    public string CommandLog { get; }

    private string FakeHostDir { get; }

    /// <summary>Makes the target look like another kind of host to what ssh sessions run: <c>uname -m</c> answers
    /// <paramref name="machine"/>, and the C library is glibc 2.36 or, with <paramref name="musl"/>, musl (what
    /// <c>getconf</c> and <c>ldd</c> say on Alpine). <see cref="RealHost"/> undoes it.</summary>
    public void FakeHost(string machine, bool musl)
    {
        Write("uname", $"case \"$1\" in -m) echo {machine} ;; -s) echo Linux ;; *) exec /bin/uname \"$@\" ;; esac");
        Write("getconf", musl ? "exit 1" : "if [ \"$1\" = GNU_LIBC_VERSION ]; then echo 'glibc 2.36'; else exec /usr/bin/getconf \"$@\"; fi");
        Write("ldd", musl ? $"echo 'musl libc ({machine})' >&2; exit 1" : "exec /usr/bin/ldd \"$@\"");

        void Write(string tool, string body)
        {
            var path = Path.Combine(FakeHostDir, tool);
            File.WriteAllText(path, "#!/bin/sh\n" + body + "\n");
            File.SetUnixFileMode(path, (UnixFileMode)Convert.ToInt32("755", 8));
        }
    }

    public void RealHost()
    {
        foreach (var file in Directory.GetFiles(FakeHostDir))
        {
            File.Delete(file);
        }
    }

    /// <summary>An inventory with the one host <c>target</c> (group <c>targets</c>) reached over ssh as <see cref="User"/>.</summary>
    public string Inventory { get; }

    /// <summary>What a playbook against this target needs in its environment: a terminal's TERM (what an operator's
    /// shell has: over <c>ssh -tt</c> the target's programs get it), pipelining on or off, ssh's control sockets here.</summary>
    public Dictionary<string, string> Environment(bool pipelining) => new()
    {
        ["TERM"] = "xterm-256color",
        ["ANSIBLE_PIPELINING"] = pipelining ? "True" : "False",
        ["ANSIBLE_SSH_CONTROL_PATH_DIR"] = Path.Combine(Dir, "cp"),
        ["ANSIBLE_HOST_KEY_CHECKING"] = "False",
    };

    /// <summary>Every command run over ssh since the last <see cref="ForgetCommands"/>, in order.</summary>
    public IReadOnlyList<string> Commands() => File.ReadAllText(CommandLog).Split('\0', StringSplitOptions.RemoveEmptyEntries);

    public void ForgetCommands() => File.WriteAllText(CommandLog, "");

    public static string Home(string user) => Path.Combine("/home", user);

    /// <summary>The account as new: no ~/.ansible (installed binaries, Ansible's temp dirs), no credential cache.</summary>
    public static void Reset(string user)
    {
        foreach (var dir in new[] { ".ansible", ".ansible_async", ".local" })
        {
            var path = Path.Combine(Home(user), dir);
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
    }

    /// <summary>Files the account owns in the system temp directories and in Ansible's remote temp directory.</summary>
    public static IReadOnlyList<string> LeftBehind(string user)
    {
        var found = Run("find", "/tmp", "/var/tmp", Path.Combine(Home(user), ".ansible", "tmp"), "-mindepth", "1", "-user", user);
        return found.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Where(l => !l.StartsWith("find:", StringComparison.Ordinal)).ToList();
    }

    public static (int ExitCode, string Output) Run(string file, params string[] args)
    {
        var run = ProcessRunner.Run(file, args, "/");
        return (run.ExitCode, run.Output);
    }

    private static void Check((int ExitCode, string Output) run)
    {
        if (run.ExitCode != 0)
        {
            throw new InvalidOperationException(run.Output);
        }
    }

    private void WaitForPort()
    {
        var errors = new StringBuilder();
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < ProcessRunner.DefaultTimeout)
        {
            if (_sshd.HasExited)
            {
                throw new InvalidOperationException($"sshd exited with {_sshd.ExitCode} (is openssh-server installed?)");
            }

            try
            {
                using var client = new TcpClient();
                client.Connect("127.0.0.1", Port);
                return;
            }
            catch (SocketException e)
            {
                errors.AppendLine(e.Message);
                Thread.Sleep(50);
            }
        }

        throw new InvalidOperationException("sshd did not listen on port " + Port + ": " + errors);
    }

    public void Dispose()
    {
        if (!_sshd.HasExited)
        {
            _sshd.Kill(entireProcessTree: true);
            _sshd.WaitForExit();
        }

        _sshd.Dispose();
        File.Delete(Sudoers);
        foreach (var user in new[] { User, BecomeUser })
        {
            Run("pkill", "-u", user);
            Run("userdel", "--remove", user);
        }

        Directory.Delete(Dir, recursive: true);
    }
}
