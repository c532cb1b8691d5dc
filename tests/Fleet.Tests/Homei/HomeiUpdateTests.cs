using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Fleet.Tests.Support;
using static Fleet.Tests.Homei.HomeiFixture;

namespace Fleet.Tests.Homei;

[Collection("homei")]
public sealed class HomeiUpdateTests(HomeiFixture f)
{
    [Fact]
    public async Task Status_is_in_the_seed_shape()
    {
        var s = await Json(await f.Client.GetAsync("/api/homei/v1/update/status"));
        Assert.Equal("fleet-test", s.GetProperty("compatible").GetString());
        Assert.Equal("rootfs.0", s.GetProperty("booted").GetString());
        var slots = s.GetProperty("slots").EnumerateArray().ToList();
        Assert.Equal(["rootfs.0", "rootfs.1"], slots.Select(x => x.GetProperty("name").GetString()));
        Assert.Equal("booted", slots[0].GetProperty("state").GetString());
        Assert.Equal("A", slots[0].GetProperty("bootname").GetString());
        Assert.Equal("rootfs", slots[1].GetProperty("class").GetString());
        Assert.Equal("raw", slots[1].GetProperty("type").GetString());
        Assert.EndsWith("rootfs1.img", slots[1].GetProperty("device").GetString());
    }

    [Fact]
    public async Task Installing_a_real_bundle_writes_the_other_slot_with_progress_in_custom_status_then_mark_good()
    {
        var image = new byte[256 * 1024];
        Random.Shared.NextBytes(image);
        var bundle = await MakeBundle(image);
        try
        {
            var r = await f.Client.PostAsJsonAsync("/api/homei/v1/update/install", new { bundle_path = bundle });
            var body = await Json(r);
            Assert.True(r.StatusCode == HttpStatusCode.Accepted, await r.Content.ReadAsStringAsync());
            Assert.Equal("installing", body.GetProperty("status").GetString());
            Assert.Equal("Update installation started", body.GetProperty("message").GetString());
            var statusUri = body.GetProperty("statusQueryGetUri").GetString()!;

            var done = await Eventually(async () =>
            {
                var st = await Json(await f.Client.GetAsync(statusUri));
                return st.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed" ? new StrongBox<JsonElement>(st) : null;
            }, "the install orchestration", 60);
            Assert.True(done.Value.GetProperty("runtimeStatus").GetString() == "Completed", done.Value.ToString());
            var custom = done.Value.GetProperty("customStatus");
            Assert.Equal("completed", custom.GetProperty("stage").GetString());
            var progress = custom.GetProperty("progress").EnumerateArray().ToList();
            Assert.True(progress.Count >= 2, custom.ToString());
            Assert.Equal(100, progress[^1].GetProperty("percent").GetInt32());
            Assert.Equal("rootfs.1", custom.GetProperty("slot").GetString());

            // The other slot now holds the bundle's image.
            var status = await Json(await f.Client.GetAsync("/api/homei/v1/update/status"));
            var b = status.GetProperty("slots").EnumerateArray().Single(s => s.GetProperty("name").GetString() == "rootfs.1");
            var device = b.GetProperty("device").GetString()!;
            var written = new byte[image.Length];
            await using (var fs = File.OpenRead(device)) await fs.ReadExactlyAsync(written);
            Assert.Equal(image, written);
            Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(image)), b.GetProperty("sha256").GetString());
            Assert.True(b.GetProperty("installed").GetProperty("count").GetInt64() >= 1);

            var mark = await f.Client.PostAsync("/api/homei/v1/update/mark-good", null);
            Assert.Equal(HttpStatusCode.OK, mark.StatusCode);
            Assert.Equal("success", (await Json(mark)).GetProperty("status").GetString());
            var after = await Json(await f.Client.GetAsync("/api/homei/v1/update/status"));
            Assert.Equal("good", after.GetProperty("slots")[0].GetProperty("boot_status").GetString());
        }
        finally
        {
            File.Delete(bundle);
        }
    }

    [Theory]
    [InlineData("/etc/passwd")]
    [InlineData("../outside.raucb")]
    [InlineData("missing-bundle.raucb")]
    public async Task A_bundle_outside_the_allowed_folder_or_missing_is_400(string path)
    {
        var r = await f.Client.PostAsJsonAsync("/api/homei/v1/update/install", new { bundle_path = path });
        await HomeiValidationTests.AssertError(r, HttpStatusCode.BadRequest, "VALIDATION_ERROR", "bundle_path");
    }

    /// <summary>A signed plain bundle (manifest of PEERS.md) in the allowed folder.</summary>
    private static async Task<string> MakeBundle(byte[] image)
    {
        var rauc = Peers.Require("FLEET_TEST_RAUC_DIR");
        var dir = Directory.CreateTempSubdirectory("homei-bundle-");
        try
        {
            await File.WriteAllBytesAsync(Path.Combine(dir.FullName, "rootfs.img"), image);
            await File.WriteAllTextAsync(Path.Combine(dir.FullName, "manifest.raucm"),
                "[update]\ncompatible=fleet-test\nversion=1.0.1\n\n[bundle]\nformat=plain\n\n[image.rootfs]\nfilename=rootfs.img\n");
            var output = Path.Combine(Peers.Require("Homei__Rauc__BundleDirectory"), $"test-{Guid.NewGuid():N}.raucb");
            var psi = new ProcessStartInfo(Peers.Require("Homei__Rauc__Command"))
            {
                ArgumentList = { "bundle", $"--cert={rauc}/pki/cert.pem", $"--key={rauc}/pki/key.pem", dir.FullName, output },
                RedirectStandardError = true,
                RedirectStandardOutput = true,
            };
            using var p = Process.Start(psi)!;
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(120));
            var err = await p.StandardError.ReadToEndAsync(cts.Token);
            await p.WaitForExitAsync(cts.Token);
            Assert.True(p.ExitCode == 0, "rauc bundle failed: " + err);
            return output;
        }
        finally
        {
            dir.Delete(true);
        }
    }
}
