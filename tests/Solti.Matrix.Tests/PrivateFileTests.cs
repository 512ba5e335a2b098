using System.Text;
using Solti.Matrix.Storage;
using Solti.Matrix.Tests.Support;

namespace Solti.Matrix.Tests;

/// <summary>The one atomic private write every writer uses (credential cache, follow position, relay token).</summary>
[Trait("tier", "unit")]
public sealed class PrivateFileTests
{
    private static Action<Stream> Text(string text) => stream => stream.Write(Encoding.UTF8.GetBytes(text));

    [Fact]
    public void A_write_replaces_the_file_whole_as_0600_and_leaves_no_temp_file()
    {
        using var dir = new TempDirectory("solti-private-file-");
        var path = Path.Combine(dir.Path, "state.json");

        PrivateFile.WriteAtomic(path, Text("first"));
        PrivateFile.WriteAtomic(path, Text("second"));

        Assert.Equal("second", File.ReadAllText(path));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void Create_if_absent_writes_once_and_never_replaces()
    {
        using var dir = new TempDirectory("solti-private-file-");
        var path = Path.Combine(dir.Path, "relay.token");

        Assert.True(PrivateFile.CreateAtomic(path, Text("mine")));
        Assert.False(PrivateFile.CreateAtomic(path, Text("theirs")));

        Assert.Equal("mine", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }

    [Fact]
    public void A_writer_that_fails_leaves_the_old_content_and_no_temp_file()
    {
        using var dir = new TempDirectory("solti-private-file-");
        var path = Path.Combine(dir.Path, "position.json");
        PrivateFile.WriteAtomic(path, Text("kept"));

        Assert.Throws<InvalidOperationException>(() => PrivateFile.WriteAtomic(path, stream =>
        {
            stream.Write(Encoding.UTF8.GetBytes("half"));
            throw new InvalidOperationException("the writer failed");
        }));

        Assert.Equal("kept", File.ReadAllText(path));
        Assert.Equal([path], Directory.GetFiles(dir.Path));
    }
}
