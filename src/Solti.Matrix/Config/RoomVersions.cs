namespace Solti.Matrix.Config;

/// <summary>The room versions' rules that creation and convergence follow: whether a version privileges its creators
/// (MSC4289, room version 12: the create event's sender and its <c>additional_creators</c> have unlimited power and must
/// not appear in the power levels' <c>users</c>).</summary>
public static class RoomVersions
{
    /// <summary>The level at and above which a creator's listed level is satisfied by being a creator.</summary>
    public const int AdminLevel = 100;

    /// <summary>Known versions and whether their creators are privileged.</summary>
    private static readonly (string Version, bool Privileged)[] Known =
    [
        ("1", false), ("2", false), ("3", false), ("4", false), ("5", false), ("6", false), ("7", false), ("8", false),
        ("9", false), ("10", false), ("11", false), ("12", true), ("org.matrix.hydra.11", true),
    ];

    /// <summary>Why <paramref name="version"/> is not a room version by the spec's grammar (1 to 32 characters of
    /// <c>a-z 0-9 . -</c>), or null when it is.</summary>
    public static string? Problem(string version) =>
        version.Length is > 0 and <= 32 && version.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '.' or '-')
            ? null
            : $"'{version}' is not a room version (1 to 32 characters of a-z, 0-9, '.' and '-', such as 12)";

    /// <summary>Whether rooms of <paramref name="version"/> privilege their creators. A version not in the table is judged
    /// by its number: the spec's versions after 12 build on 12's rules.</summary>
    public static bool CreatorsPrivileged(string version)
    {
        foreach (var (known, privileged) in Known)
        {
            if (known == version)
            {
                return privileged;
            }
        }

        return int.TryParse(version, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var number) && number > 12;
    }

    /// <summary>The creators of a room whose create event is <paramref name="create"/> sent by <paramref name="sender"/>, when
    /// its version privileges them; else none.</summary>
    public static IReadOnlyList<string> Creators(string? sender, JsonObject? create)
    {
        var version = create?["room_version"] is JsonValue v && v.TryGetValue<string>(out var s) ? s : "1";
        if (sender is null || !CreatorsPrivileged(version))
        {
            return [];
        }

        List<string> creators = [sender];
        if (create?["additional_creators"] is JsonArray additional)
        {
            creators.AddRange(additional.Select(u => u is JsonValue value && value.TryGetValue<string>(out var id) ? id : null).OfType<string>());
        }

        return creators;
    }
}
