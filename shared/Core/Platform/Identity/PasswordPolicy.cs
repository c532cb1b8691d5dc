using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Platform.Identity;

/// <summary>The password rule: length is what resists guessing, so it is the only rule.</summary>
public static class PasswordPolicy
{
    public const int MinLength = 12;

    public static void Check(string? password, string field = "password")
    {
        if (string.IsNullOrEmpty(password))
            throw FleetException.Validation(field, $"Field '{field}' is required");
        if (password.Length < MinLength)
            throw FleetException.Validation(field, $"Password must be at least {MinLength} characters");
    }
}
