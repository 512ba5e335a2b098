namespace Solti.Matrix.Config;

/// <summary>The input is wrong; nothing was read or written. Each error starts with the path of the bad value
/// (<c>rooms[2].members[0].user_id</c>).</summary>
public sealed class ConfigInputException(IReadOnlyList<string> errors)
    : Exception(errors.Count == 1 ? errors[0] : $"{errors[0]} (and {errors.Count - 1} more: {string.Join("; ", errors.Skip(1))})")
{
    /// <summary>Every problem found in the input, each naming where it is.</summary>
    public IReadOnlyList<string> Errors { get; } = errors;
}
