using System.Text.RegularExpressions;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Snap;

/// <summary>Repository and tag rules of the OCI distribution spec, checked before anything is pushed.</summary>
public static partial class ImageNames
{
    public static string Repository(string? value, string field)
    {
        if (value is null || value.Length is 0 or > 255 || !RepositoryPattern().IsMatch(value))
            throw FleetException.Validation(field, $"{field} must be a repository name: lowercase letters, digits and . _ - separated path components");
        return value;
    }

    public static string Tag(string? value, string field)
    {
        if (value is null || !TagPattern().IsMatch(value))
            throw FleetException.Validation(field, $"{field} must be a tag: letters, digits, . _ - (at most 128, not starting with . or -)");
        return value;
    }

    /// <summary>A name made safe for a repository component (lowercase, invalid runs turned into '-').</summary>
    public static string Component(string value)
    {
        var s = InvalidRun().Replace(value.ToLowerInvariant(), "-").Trim('-', '.', '_');
        return s.Length == 0 ? "checkpoint" : s[..Math.Min(s.Length, 128)];
    }

    [GeneratedRegex(@"^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*(/[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*)*$")]
    private static partial Regex RepositoryPattern();

    [GeneratedRegex(@"^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$")]
    private static partial Regex TagPattern();

    [GeneratedRegex(@"[^a-z0-9._-]+")]
    private static partial Regex InvalidRun();
}
