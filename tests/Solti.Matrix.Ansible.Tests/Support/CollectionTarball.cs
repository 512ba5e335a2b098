using System.Buffers.Binary;
using Solti.Matrix.Testing;

namespace Solti.Matrix.Ansible.Tests.Support;

/// <summary>The module binaries as the tarball ships them (<c>SOLTI_COLLECTION_TARBALL</c>, else built with
/// <c>./build.sh collection</c>), unpacked with tar into a temporary directory.</summary>
public sealed partial class CollectionTarball : IDisposable
{
    public const string GlibcFloor = "2.28";

    /// <summary>The most a module binary may weigh, per architecture: less than 12,000,000 bytes, the product's target
    /// (docs/target-binaries.md, "Size").</summary>
    public const long MaxBinaryBytes = 11_999_999;

    public CollectionTarball()
    {
        Root = Directory.CreateTempSubdirectory("solti-tarball-").FullName;
        Tarball = InstalledCollection.Tarball();
        var untar = ProcessRunner.Run("tar", ["-xzf", Tarball, "-C", Root]);
        if (untar.ExitCode != 0)
        {
            throw new InvalidOperationException("tar failed: " + untar.Output);
        }
    }

    public string Root { get; }

    public string Tarball { get; }

    public string Bin => Path.Combine(Root, "bin");

    /// <summary>Every regular file of the tarball that starts with the ELF magic, with its <c>e_machine</c>.</summary>
    public IReadOnlyList<(string Path, ushort Machine)> ElfFiles()
    {
        var found = new List<(string, ushort)>();
        var header = new byte[20];
        foreach (var file in Directory.EnumerateFiles(Root, "*", SearchOption.AllDirectories))
        {
            if (new FileInfo(file).LinkTarget is not null)
            {
                continue; // the symlinks point at files listed on their own
            }

            using var stream = File.OpenRead(file);
            if (stream.ReadAtLeast(header, header.Length, throwOnEndOfStream: false) == header.Length && header.AsSpan(0, 4).SequenceEqual(ElfMagic))
            {
                found.Add((file, BinaryPrimitives.ReadUInt16LittleEndian(header.AsSpan(18))));
            }
        }

        return found;
    }

    private static ReadOnlySpan<byte> ElfMagic => [0x7f, (byte)'E', (byte)'L', (byte)'F'];

    public const ushort X86_64 = 62;
    public const ushort Aarch64 = 183;

    /// <summary>The binutils that read this machine's ELF files (Debian's plain objdump reads only the host's).</summary>
    public static string Objdump(ushort machine) => machine switch
    {
        X86_64 => "x86_64-linux-gnu-objdump",
        Aarch64 => "aarch64-linux-gnu-objdump",
        _ => throw new InvalidOperationException($"unexpected ELF machine {machine}"),
    };

    public void Dispose() => Directory.Delete(Root, recursive: true);
}
