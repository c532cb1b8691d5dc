using System.Net;
using System.Net.Http.Json;
using Fleet.Tests.Support;

namespace Fleet.Tests.Identity;

/// <summary>
/// Tests that touch the shared <c>admin</c> user: the hostile-input walk logs in as the seed's example user "admin" with
/// wrong passwords (locking it), so the reset test does not run beside it.
/// </summary>
[CollectionDefinition(Name)]
public sealed class AdminUserCollection
{
    public const string Name = "admin user";
}

/// <summary>The README's recovery of a missed or lost admin password: Auth__ResetAdminPassword with the new password.</summary>
[Collection(AdminUserCollection.Name)]
public sealed class AdminPasswordResetTests
{
    [Fact]
    public async Task Starting_with_ResetAdminPassword_gives_admin_the_new_password()
    {
        var password = "reset-" + Guid.NewGuid().ToString("N");
        SecretRegistry.Register(password, "the reset admin password");
        // A lost password often comes with a locked account: lock it first.
        await using (var before = await FleetApp.StartAsync())
        {
            HttpStatusCode status;
            var attempts = 0;
            do status = (await before.Client.PostAsJsonAsync("/api/auth/login", new { username = "admin", password = "not-" + password })).StatusCode;
            while (status == HttpStatusCode.Unauthorized && ++attempts < 10);
            Assert.Equal((HttpStatusCode)423, status);
        }
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
