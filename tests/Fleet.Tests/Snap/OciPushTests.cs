using Fleet.Core.Platform.Errors;
using Fleet.Core.Snap;
using static Fleet.Tests.Snap.SnapRegistryFixture;

namespace Fleet.Tests.Snap;

/// <summary>The image builder and the distribution client against the real registry, below the routes.</summary>
[Collection("snap-registry")]
public sealed class OciPushTests(SnapRegistryFixture f)
{
    private RegistryTarget Target(string? password = null) => new(new Uri($"http://{f.Registry}/"), f.User, password ?? f.Password, false);

    [Fact]
    public async Task Interrupted_layer_upload_resumes_from_the_registry_range_and_the_manifest_names_the_archive()
    {
        var info = await OciImageBuilder.InspectAsync(FixtureArchive, CancellationToken.None);
        Assert.Equal(FixtureDigest, info.Digest);
        Assert.Equal("c1", info.ContainerName);
        Assert.Equal("localhost/bb:1", info.RootfsImageName);
        var image = OciImageBuilder.Build(info, "counter", DateTimeOffset.UtcNow);
        var repo = "fleet-test/" + Unique("resume");
        using var http = new OciHttp();
        var client = http.Client(Target());
        await client.PushBlobAsync(repo, image.Config, () => new MemoryStream(image.ConfigBytes), ChunkBytes, null, _ => Task.CompletedTask, null, default);

        // First attempt: stopped once the registry holds the first chunk.
        string? saved = null;
        using var stop = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.PushBlobAsync(repo, image.Layer, () => File.OpenRead(FixtureArchive),
            ChunkBytes, null, l => { saved = l; return Task.CompletedTask; }, _ => stop.Cancel(), stop.Token));
        Assert.NotNull(saved);
        var state = await client.UploadOffsetAsync(saved!, repo, default);
        Assert.Equal(ChunkBytes, state!.Value.Offset);

        // The retry (a new client, as another activity attempt would have) sends only what the registry lacks.
        var retry = await http.Client(Target()).PushBlobAsync(repo, image.Layer, () => File.OpenRead(FixtureArchive), ChunkBytes, saved,
            l => { saved = l; return Task.CompletedTask; }, null, default);
        Assert.False(retry.Skipped);
        Assert.Equal(info.Size - ChunkBytes, retry.BytesSent);
        Assert.Null(saved);
        var blob = await f.Distribution.GetByteArrayAsync($"v2/{repo}/blobs/{info.Digest}");
        Assert.Equal(await File.ReadAllBytesAsync(FixtureArchive), blob);

        var digest = await client.PutManifestAsync(repo, "v1", image.ManifestBytes, default);
        Assert.Equal(image.ManifestDigest, digest);
        var manifest = (await f.Manifest(repo, "v1"))!.Value;
        var layer = Assert.Single(manifest.GetProperty("layers").EnumerateArray());
        Assert.Equal(FixtureDigest, layer.GetProperty("digest").GetString());
        Assert.Equal("application/vnd.oci.image.layer.v1.tar+gzip", layer.GetProperty("mediaType").GetString());
        var annotations = manifest.GetProperty("annotations");
        Assert.Equal("counter", annotations.GetProperty(OciImageBuilder.CheckpointNameAnnotation).GetString());
        Assert.Equal("runc", annotations.GetProperty("org.criu.checkpoint.runtime.name").GetString());
        Assert.Equal("Podman", annotations.GetProperty("org.criu.checkpoint.engine.name").GetString());
        Assert.Equal("localhost/bb:1", annotations.GetProperty("org.criu.checkpoint.rootfsImageName").GetString());

        // Pushed again: the registry has the layer, nothing is sent.
        var again = await client.PushBlobAsync(repo, image.Layer, () => File.OpenRead(FixtureArchive), ChunkBytes, null, _ => Task.CompletedTask, null, default);
        Assert.True(again.Skipped);
    }

    [Fact]
    public async Task Wrong_password_is_authentication_failed_before_any_upload()
    {
        var repo = "fleet-test/" + Unique("denied");
        using var http = new OciHttp();
        var client = http.Client(Target("wrong-" + f.Password));
        var check = await Assert.ThrowsAsync<FleetException>(() => client.CheckAsync(default));
        Assert.Equal(SnapCodes.AuthenticationFailed, check.Code);
        var info = await OciImageBuilder.InspectAsync(FixtureArchive, CancellationToken.None);
        var push = await Assert.ThrowsAsync<FleetException>(() => client.PushBlobAsync(repo, OciImageBuilder.Build(info, null, DateTimeOffset.UtcNow).Layer,
            () => File.OpenRead(FixtureArchive), ChunkBytes, null, _ => Task.CompletedTask, null, default));
        Assert.Equal(SnapCodes.AuthenticationFailed, push.Code);
        Assert.Null(await f.Manifest(repo, "latest"));
    }
}
