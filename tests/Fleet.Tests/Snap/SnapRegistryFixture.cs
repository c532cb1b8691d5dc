using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Fleet.Functions.Platform.Auth;
using Fleet.Tests.Support;

namespace Fleet.Tests.Snap;

/// <summary>One host for SNAP's registry tests, against the real docker-registry (htpasswd) and Azurite.</summary>
public sealed class SnapRegistryFixture : IAsyncLifetime
{
    /// <summary>Small chunks, so that the 40 KB fixture archive goes up in several PATCHes.</summary>
    public const int ChunkBytes = 16 * 1024;

    public FleetApp App { get; private set; } = null!;
    public HttpClient Admin { get; private set; } = null!;
    public HttpClient Operator { get; private set; } = null!;
    public string Registry { get; } = Peers.Require("FLEET_TEST_REGISTRY");
    public string User { get; } = Peers.Require("FLEET_TEST_REGISTRY_USER");
    public string Password { get; } = Peers.Require("FLEET_TEST_REGISTRY_PASSWORD");
    public HttpClient Distribution { get; private set; } = null!;

    public static string FixtureArchive => Path.Combine(Peers.RepoRoot, "..", "shared", "fixtures", "checkpoint-busybox-counter.tar.gz");

    public static string FixtureDigest => "sha256:" + Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(FixtureArchive))).ToLowerInvariant();

    public async Task InitializeAsync()
    {
        App = await FleetApp.StartAsync(new Dictionary<string, string?>
        {
            ["RateLimits__Scale"] = "100",
            ["Snap__Push__ChunkBytes"] = ChunkBytes.ToString(),
            ["Snap__Push__LongRunningWait"] = "00:00:45",
        });
        Admin = await App.LoginAsync(FleetRole.Admin);
        Operator = await App.LoginAsync(FleetRole.Operator);
        Distribution = new HttpClient { BaseAddress = new Uri($"http://{Registry}/"), Timeout = TimeSpan.FromSeconds(20) };
        Distribution.DefaultRequestHeaders.Authorization =
            new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{User}:{Password}")));
    }

    public async Task DisposeAsync()
    {
        Distribution.Dispose();
        await App.DisposeAsync();
    }

    public static string Unique(string prefix) => $"{prefix}-{Guid.NewGuid().ToString("N")[..8]}";

    /// <summary>A registry config named <paramref name="name"/> for the test registry, with the given password.</summary>
    public async Task<HttpResponseMessage> CreateConfig(string name, string? password = null, string? url = null) =>
        await Admin.PostAsJsonAsync("/api/snap/config/registry/create", new
        {
            name, url = url ?? $"http://{Registry}", username = User, password = password ?? Password, verify_ssl = false,
        });

    /// <summary>The manifest under a tag, read with the distribution API, or null when the registry has none.</summary>
    public async Task<JsonElement?> Manifest(string repository, string reference)
    {
        using var m = new HttpRequestMessage(HttpMethod.Get, $"v2/{repository}/manifests/{reference}");
        m.Headers.Accept.ParseAdd("application/vnd.oci.image.manifest.v1+json");
        using var r = await Distribution.SendAsync(m);
        if (r.StatusCode == System.Net.HttpStatusCode.NotFound) return null;
        r.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    public static async Task<JsonElement> Json(HttpResponseMessage r) => JsonDocument.Parse(await r.Content.ReadAsStringAsync()).RootElement.Clone();
}

[CollectionDefinition("snap-registry")]
public sealed class SnapRegistryCollection : ICollectionFixture<SnapRegistryFixture>;
