using System.Security.Cryptography;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Fleet.Core.Platform.Identity;

/// <summary>
/// Creates the first admin when no user exists: with <c>Auth__BootstrapAdminPassword</c>, or a
/// generated password written once to the console (stdout, not the log pipeline, so it is not
/// shipped anywhere). There is no fixed default password. Storage being down at start does not
/// stop the host: the attempt is retried in the background.
/// </summary>
public sealed class BootstrapAdmin(UserStore users, UserService service, AuthSettings settings, ILogger<BootstrapAdmin> logger) : BackgroundService
{
    public const string Username = "admin";
    private Task<bool>? _first;

    public override Task StartAsync(CancellationToken ct)
    {
        // The first attempt finishes before the host serves requests, so a fresh install can log in at once.
        _first = TryOnceAsync(ct);
        return Task.WhenAny(_first, Task.Delay(TimeSpan.FromSeconds(10), ct)).ContinueWith(_ => base.StartAsync(ct), ct).Unwrap();
    }

    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        if (_first is not null && await _first) return;
        for (var delay = TimeSpan.FromSeconds(2); !ct.IsCancellationRequested; delay = TimeSpan.FromSeconds(Math.Min(delay.TotalSeconds * 2, 60)))
        {
            await Task.Delay(delay, ct);
            if (await TryOnceAsync(ct)) return;
        }
    }

    private async Task<bool> TryOnceAsync(CancellationToken ct)
    {
        try
        {
            await EnsureAsync(ct);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A FleetException's message is safe to log (e.g. the reset password is too short); others may not be.
            logger.LogWarning("Bootstrap admin check failed ({Error}{Message}); retrying", e.GetType().Name,
                e is Errors.FleetException f ? ": " + f.Message : "");
            return false;
        }
    }

    public async Task EnsureAsync(CancellationToken ct)
    {
        if (settings is { ResetAdminPassword: true, BootstrapAdminPassword: { } newPassword } &&
            await users.FindAsync(Username, ct) is { } admin)
        {
            await service.ResetToAdminAsync(admin.Id, newPassword, ct);
            logger.LogWarning("The password of user {Username} was reset from Auth__BootstrapAdminPassword (Auth__ResetAdminPassword=true); remove the setting", Username);
            return;
        }
        if (settings.ResetAdminPassword && settings.BootstrapAdminPassword is null)
            logger.LogWarning("Auth__ResetAdminPassword=true needs Auth__BootstrapAdminPassword, the new password; nothing was reset");
        if (await users.AnyAsync(ct) && !(settings.ResetAdminPassword && settings.BootstrapAdminPassword is not null)) return;
        var generated = settings.BootstrapAdminPassword is null;
        var password = settings.BootstrapAdminPassword ?? TokenService.Base64Url(RandomNumberGenerator.GetBytes(18));
        try
        {
            await service.CreateAsync(Username, password, UserRoles.Admin, null, ct);
        }
        catch (Errors.FleetException e) when (e.Kind == Errors.FleetErrorKind.Conflict)
        {
            if (settings.ResetAdminPassword)
                logger.LogWarning("Auth__ResetAdminPassword: no user named {Username} was found, and creating one conflicts ({Message})", Username, e.Message);
            return; // another host created it
        }
        if (generated)
            Console.WriteLine($"Fleet: created user '{Username}' with generated password: {password} (shown once; change it)");
        logger.LogInformation("Created bootstrap user {Username}", Username);
    }
}
