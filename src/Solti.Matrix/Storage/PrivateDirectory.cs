namespace Solti.Matrix.Storage;

/// <summary>The private-directory rule every state directory is made by: each missing level is created 0700 (.NET
/// gives only the last level the mode asked for, so every level is made here), and a path is trusted only when it is
/// not a symbolic link, belongs to the current user and gives group and others no access.</summary>
public static class PrivateDirectory
{
    /// <summary>The mode every private directory gets: 0700.</summary>
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;

    /// <summary>The mode every private file gets: 0600.</summary>
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    private const UnixFileMode GroupOrOther = (UnixFileMode)0x3F; // 0077

    /// <summary>Creates <paramref name="directory"/> and every missing parent as 0700; existing levels are left as they are.</summary>
    public static void Create(string directory)
    {
        if (Directory.Exists(directory))
        {
            return;
        }

        if (Path.GetDirectoryName(directory) is { } parent)
        {
            Create(parent);
        }

        Directory.CreateDirectory(directory, DirectoryMode);
    }

    /// <summary>Why <paramref name="path"/> cannot be trusted with secrets, or null when it can.</summary>
    public static string? Distrust(string path, UnixFileInfo info, bool isDirectory)
    {
        if (info.IsSymlink)
        {
            return "is a symbolic link";
        }

        if (info.OwnerUid != UnixFileInfo.CurrentUid)
        {
            return $"is owned by uid {info.OwnerUid}, not by the current user (uid {UnixFileInfo.CurrentUid})";
        }

        return (info.Mode & GroupOrOther) != 0
            ? $"has mode {Convert.ToString((int)info.Mode, 8)}: group or others have access (expected {(isDirectory ? "0700" : "0600")})"
            : null;
    }
}
