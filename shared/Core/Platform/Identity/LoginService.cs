using Fleet.Core.Platform.Errors;
using Microsoft.AspNetCore.Identity;

namespace Fleet.Core.Platform.Identity;

/// <summary>
/// Password logins with lockout: <see cref="MaxFailures"/> failures in a row lock the account for
/// <see cref="LockoutDuration"/>. Unknown users and wrong passwords get the same answer after the
/// same amount of hashing, so a caller cannot learn which usernames exist.
/// </summary>
public sealed class LoginService(UserStore users, TokenService tokens, IPasswordHasher<UserEntity> hasher, AuditLog audit, TimeProvider clock)
{
    public const int MaxFailures = 5;
    public static readonly TimeSpan LockoutDuration = TimeSpan.FromMinutes(15);
    public const string InvalidCredentials = "Invalid credentials";

    // Verified against for unknown users so both paths cost one PBKDF2 run.
    private static readonly Lazy<string> DummyHash = new(() =>
        new PasswordHasher<UserEntity>().HashPassword(new UserEntity(), Guid.NewGuid().ToString("N")));

    /// <summary>Checks the password and starts a session.</summary>
    public async Task<TokenPair> LoginAsync(string? login, string? password, string? requestIp, CancellationToken ct = default)
    {
        var user = await AuthenticateAsync(login, password, requestIp, ct);
        var pair = await tokens.StartSessionAsync(user, ct);
        await audit.RecordAsync("login", 200, user.Id, user.Username, requestIp, "Login succeeded", ct: ct);
        return pair;
    }

    /// <summary>The user whose password this is, counting failures toward lockout.</summary>
    public async Task<UserEntity> AuthenticateAsync(string? login, string? password, string? requestIp, CancellationToken ct = default)
    {
        if (string.IsNullOrWhiteSpace(login)) throw FleetException.Validation("username", "Field 'username' is required");
        if (string.IsNullOrEmpty(password)) throw FleetException.Validation("password", "Field 'password' is required");

        var user = await users.FindAsync(login, ct);
        if (user is null)
        {
            hasher.VerifyHashedPassword(new UserEntity(), DummyHash.Value, password);
            await audit.RecordAsync("login_failed", 401, null, login, requestIp, "Invalid credentials", ct: ct);
            throw new FleetException(FleetErrorKind.Unauthenticated, InvalidCredentials);
        }

        var result = hasher.VerifyHashedPassword(user, user.PasswordHash, password);
        var now = clock.GetUtcNow();
        if (user.IsLocked(now))
        {
            await audit.RecordAsync("login_failed", 423, user.Id, user.Username, requestIp, "Account locked", ct: ct);
            throw Locked(user, now);
        }
        if (result == PasswordVerificationResult.Failed)
        {
            await RecordFailureAsync(user, now, ct);
            await audit.RecordAsync("login_failed", 401, user.Id, user.Username, requestIp, "Invalid credentials", ct: ct);
            throw new FleetException(FleetErrorKind.Unauthenticated, InvalidCredentials);
        }

        user.FailedLogins = 0;
        user.LockedUntil = null;
        user.LastLogin = now;
        if (result == PasswordVerificationResult.SuccessRehashNeeded) user.PasswordHash = hasher.HashPassword(user, password);
        await users.UpdateAsync(user, ct);
        return user;
    }

    private async Task RecordFailureAsync(UserEntity user, DateTimeOffset now, CancellationToken ct)
    {
        for (var attempt = 0; attempt < 5; attempt++)
        {
            user.FailedLogins++;
            if (user.FailedLogins >= MaxFailures)
            {
                user.LockedUntil = now + LockoutDuration;
                user.FailedLogins = 0;
            }
            try
            {
                await users.UpdateAsync(user, ct);
                return;
            }
            catch (FleetException e) when (e.Kind == FleetErrorKind.Conflict)
            {
                // A concurrent attempt counted too: count on top of its result.
                user = await users.GetAsync(user.Id, ct) ?? user;
            }
        }
    }

    public static FleetException Locked(UserEntity user, DateTimeOffset now) =>
        new(FleetErrorKind.Locked, "Account locked due to too many failed login attempts; try again later")
        {
            RetryAfterSeconds = (int)Math.Ceiling(((user.LockedUntil ?? now) - now).TotalSeconds),
        };
}
