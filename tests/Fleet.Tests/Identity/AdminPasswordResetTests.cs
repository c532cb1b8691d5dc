using System.Net;
using System.Net.Http.Json;
using Fleet.Tests.Support;

namespace Fleet.Tests.Identity;

/// <summary>The README's recovery of a missed or lost admin password: Auth__ResetAdminPassword with the new password.</summary>
public sealed class AdminPasswordResetTests
{
    [Fact]
    public async Task Starting_with_ResetAdminPassword_gives_admin_the_new_password()
    {
        var password = "reset-" + Guid.NewGuid().ToString("N");
        SecretRegistry.Register(password, "the reset admin password");
        await using var app = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["Auth__ResetAdminPassword"] = "true",
            ["Auth__BootstrapAdminPassword"] = password,
        });
        var r = await app.Client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password });
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        var wrong = await app.Client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = password + "x" });
        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
    }
}
