namespace Solti.Matrix.Homeserver.Configuration;

/// <summary>The files behind <c>--config PATH</c> (repeatable), as Synapse finds them: a file as given; a directory
/// (a <c>conf.d</c>) contributes its files ending in <c>.yaml</c>, in sorted order, ignoring subdirectories and other
/// files (said on stderr, as Synapse prints them).</summary>
public static class ConfigPaths
{
    public static List<(string Source, string Yaml)> Read(IEnumerable<string> paths, TextWriter? notices = null)
    {
        var files = new List<string>();
        foreach (var path in paths)
        {
            if (Directory.Exists(path))
            {
                var found = new List<string>();
                foreach (var entry in Directory.EnumerateFileSystemEntries(path))
                {
                    if (!File.Exists(entry))
                    {
                        notices?.WriteLine($"solti-homeserver: ignoring the subdirectory {entry} of the config directory");
                    }
                    else if (!entry.EndsWith(".yaml", StringComparison.Ordinal))
                    {
                        notices?.WriteLine($"solti-homeserver: ignoring {entry} in the config directory: its name does not end in '.yaml'");
                    }
                    else
                    {
                        found.Add(entry);
                    }
                }

                files.AddRange(found.Order(StringComparer.Ordinal));
            }
            else if (File.Exists(path))
            {
                files.Add(path);
            }
            else
            {
                throw new ConfigurationException($"--config: {path} does not exist");
            }
        }

        return [.. files.Select(file => (file, File.ReadAllText(file)))];
    }
}
