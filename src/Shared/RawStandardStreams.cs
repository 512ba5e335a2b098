using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Solti.Matrix.Hosting;

/// <summary>File descriptors 0, 1 and 2 as plain streams. <see cref="Console"/> on Unix initialises the terminal the
/// first time it writes (terminfo's keypad_xmit, <c>ESC[?1h ESC=</c>, whenever <c>TERM</c> names a real terminal),
/// and over <c>ssh -tt</c> that lands in front of the JSON Ansible reads. These never touch the console or terminfo,
/// whatever <c>TERM</c> or tty the process is given: what is written is exactly the bytes written.</summary>
internal static class RawStandardStreams
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    public static Stream Input() => Open(0, FileAccess.Read);

    public static TextWriter Output() => Writer(1);

    public static TextWriter Error() => Writer(2);

    /// <summary>Routes <see cref="Console.Out"/> and <see cref="Console.Error"/> to fds 1 and 2 before anything else
    /// touches the console (libraries that write there then write raw bytes too).</summary>
    public static void ReplaceConsole()
    {
        Console.SetOut(Output());
        Console.SetError(Error());
    }

    private static TextWriter Writer(int fd) => TextWriter.Synchronized(new StreamWriter(Open(fd, FileAccess.Write), Utf8, 4096) { AutoFlush = true, NewLine = "\n" });

    private static FileStream Open(int fd, FileAccess access) => new(new SafeFileHandle(fd, ownsHandle: false), access, bufferSize: 0);
}
