using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Platform.Identity;

/// <summary>
/// The role names stored with users and cluster permissions. Each includes the ones below it;
/// SNAP's <c>administrator</c> is admin.
/// </summary>
public static class UserRoles
{
    public const string Viewer = "viewer";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static int Rank(string? role) => role switch
    {
        Viewer => 1,
        Operator => 2,
        Admin => 3,
        _ => 0,
    };

    public static string FromRank(int rank) => rank switch { 3 => Admin, 2 => Operator, _ => Viewer };

    /// <summary>Parses a role a client sent; SNAP's names are accepted as aliases.</summary>
    public static string Parse(string? role, string field = "role") => role?.Trim().ToLowerInvariant() switch
    {
        "viewer" or "user" or "readonly" => Viewer,
        "operator" => Operator,
        "admin" or "administrator" => Admin,
        _ => throw FleetException.Validation(field, $"Field '{field}' must be one of: viewer, operator, admin"),
    };
}
