namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>Stand-ins for the tools a restart handler calls (<c>systemctl</c>, <c>docker</c>, <c>pct</c>), put first on
/// the PATH: each records how it was called, one line per call, and <c>show UNIT</c> answers as systemd does for a
/// running unit (what Ansible's systemd module asks before it restarts).</summary>
public static class FakeTools
{
    public static async Task WriteAsync(string bin, string tool, string callsFile)
    {
        var path = Path.Combine(bin, tool);
        await File.WriteAllTextAsync(path, $"""
            #!/bin/sh
            if [ "$1" = show ]; then printf 'Id=%s.service\nLoadState=loaded\nActiveState=active\nSubState=running\n' "$2"; exit 0; fi
            echo "{tool} $*" >> {callsFile}
            """);
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }
}
