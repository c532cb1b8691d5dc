using System.Net;
using System.Net.Http.Json;
using Fleet.Core.Platform.Storage;
using Fleet.Core.Snap;
using Fleet.Tests.Support;
using static Fleet.Tests.Snap.SnapRegistryFixture;

namespace Fleet.Tests.Snap;

[Collection("snap-registry")]
public sealed class SnapRegistryConfigTests(SnapRegistryFixture f)
{
    [Fact]
    public async Task Registry_configs_keep_the_password_encrypted_and_never_return_it()
    {
        var name = Unique("reg");
        var created = await f.CreateConfig(name);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        var createdText = await created.Content.ReadAsStringAsync();
        Assert.DoesNotContain(f.Password, createdText);
        var body = await Json(created);
        Assert.True(body.GetProperty("success").GetBoolean());
        Assert.Equal(name, body.GetProperty("registry").GetProperty("name").GetString());
        Assert.True(body.GetProperty("registry").GetProperty("has_password").GetBoolean());
        Assert.False(body.GetProperty("registry").TryGetProperty("password", out _));

        // At rest: Data Protection ciphertext, not the password.
        var row = await f.App.Services.GetRequiredService<FleetStorage>().Table<RegistryConfigEntity>(RegistryConfigService.Table)
            .GetAsync(RegistryConfigEntity.Partition, name);
        Assert.NotNull(row);
        Assert.DoesNotContain(f.Password, row.ProtectedPassword);

        var updated = await f.Admin.PutAsJsonAsync("/api/snap/config/registry/update", new { name, verify_ssl = true });
        Assert.Equal(HttpStatusCode.OK, updated.StatusCode);
        Assert.True((await Json(updated)).GetProperty("registry").GetProperty("verify_ssl").GetBoolean());

        var list = await f.Operator.GetAsync("/api/snap/config/registry/list");
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        var listText = await list.Content.ReadAsStringAsync();
        Assert.DoesNotContain(f.Password, listText);
        Assert.Contains((await Json(list)).GetProperty("registries").EnumerateArray(), r => r.GetProperty("name").GetString() == name);

        var again = await f.CreateConfig(name);
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);

        var bad = await f.Admin.PostAsJsonAsync("/api/snap/config/registry/create", new { name = Unique("reg"), url = "ftp://x", username = "u", password = "p" });
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var envelope = await Json(bad);
        Assert.False(envelope.GetProperty("success").GetBoolean());
        Assert.Equal("VALIDATION_ERROR", envelope.GetProperty("code").GetString());
        Assert.Contains("url", envelope.GetProperty("details").GetString());

        var deleted = await f.Admin.DeleteAsync($"/api/snap/config/registry/delete?name={name}");
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.DoesNotContain(name, await f.Operator.GetStringAsync("/api/snap/config/registry/list"));
        Assert.Equal(HttpStatusCode.NotFound, (await f.Admin.DeleteAsync($"/api/snap/config/registry/delete?name={name}")).StatusCode);
    }

    [Fact]
    public async Task Login_checks_the_credentials_against_the_registry()
    {
        string good = Unique("reg"), wrong = Unique("reg"), closed = Unique("reg");
        Assert.Equal(HttpStatusCode.Created, (await f.CreateConfig(good)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await f.CreateConfig(wrong, password: "not-" + f.Password)).StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await f.CreateConfig(closed, url: $"http://127.0.0.1:{Peers.FreePort()}")).StatusCode);

        var ok = await f.Operator.PostAsJsonAsync("/api/snap/registry/login", new { registry_config_name = good });
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal(f.Registry, (await Json(ok)).GetProperty("registry").GetString());

        var refused = await f.Operator.PostAsJsonAsync("/api/snap/registry/login", new { registry_config_name = wrong });
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("AUTHENTICATION_FAILED", (await Json(refused)).GetProperty("code").GetString());

        var unreachable = await f.Operator.PostAsJsonAsync("/api/snap/registry/login", new { registry_config_name = closed });
        Assert.Equal(HttpStatusCode.BadGateway, unreachable.StatusCode);
        Assert.Equal("REGISTRY_CONNECTION_FAILED", (await Json(unreachable)).GetProperty("code").GetString());

        var missing = await f.Operator.PostAsJsonAsync("/api/snap/registry/login", new { registry_config_name = Unique("none") });
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
    }
}
