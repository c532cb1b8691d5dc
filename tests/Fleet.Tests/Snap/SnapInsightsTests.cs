using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator;
using Fleet.Tests.Support;

namespace Fleet.Tests.Snap;

/// <summary>
/// POST /checkpoint/insights on the real archive (shared/fixtures/checkpoint-busybox-counter.tar.gz, a busybox counter
/// checkpointed with CRIU 4.2), which the emulator's kubelet writes on checkpoint: known container, process tree, page
/// counts and strings; a secret put into the dumped environment is reported but never returned.
/// </summary>
[Collection(SnapCollection.Name)]
[Trait("Category", "Emulator")]
public sealed class SnapInsightsTests(SnapFixture f)
{
    [Fact]
    public async Task Insights_of_the_fixture_report_container_process_tree_pages_and_the_counters_strings()
    {
        var path = (string)(await f.CheckpointAsync()).Response["checkpoint_path"]!;
        var (status, body) = await f.PostAsync(f.Operator, "/api/snap/checkpoint/insights", new { checkpoint_path = path, analysis_type = "volatility" });
        Assert.True(status == 200, body?.ToJsonString());

        var container = body!["container"]!;
        Assert.Equal("c1", (string)container["name"]!);
        Assert.Equal("localhost/bb:1", (string)container["image"]!);
        Assert.Equal("runc", (string)container["runtime"]!);
        Assert.Equal("podman", (string)container["engine"]!);

        var tree = body["process_tree"]!.AsArray();
        Assert.Equal([1, 9], tree.Select(p => (int)p!["pid"]!).ToArray());
        var sh = tree[0]!;
        var sleep = tree[1]!;
        Assert.Equal("sh", (string)sh["comm"]!);
        Assert.Equal([9], sh["children"]!.AsArray().Select(c => (int)c!).ToArray());
        Assert.Equal(1, (int)sleep["ppid"]!);
        Assert.Equal("sleep", (string)sleep["comm"]!);
        Assert.Equal(["/bin/sh", "-c", "i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 1; done"],
            sh["cmdline"]!.AsArray().Select(a => (string)a!).ToArray());
        Assert.Equal(["sleep", "1"], sleep["cmdline"]!.AsArray().Select(a => (string)a!).ToArray());
        Assert.Contains(sh["open_files"]!.AsArray(), o => (int)o!["fd"]! == 0 && (string)o["path"]! == "/dev/null");

        // CRIU's stats-dump and the pagemaps agree: 35 pages written (19 of sh, 16 of sleep).
        Assert.Equal(35, (long)body["checkpoint"]!["pages_written"]!);
        Assert.Equal(49, (long)body["checkpoint"]!["pages_scanned"]!);
        Assert.Equal(35, (long)body["memory"]!["dumped_pages"]!);
        Assert.Equal(19, (long)sh["dumped_pages"]!);
        Assert.Equal(16, (long)sleep["dumped_pages"]!);
        Assert.Contains(body["rootfs_changes"]!["changes"]!.AsArray(), c => (string)c!["path"]! == "/tmp/count");

        var volatility = body["volatility"]!;
        Assert.Equal(35 * 4096, (long)volatility["bytes_scanned"]!);
        var strings = volatility["strings"]!.AsArray().Select(s => (string)s!).ToList();
        Assert.Contains("/tmp/count", strings);
        Assert.Contains("i=0; while true; do i=$((i+1)); echo $i > /tmp/count; sleep 1; done", strings);
        Assert.Contains(volatility["env_vars"]!.AsArray(), e => (int)e!["pid"]! == 1 && (string)e["name"]! == "HOSTNAME" && (string)e["value"]! == "d54a500a06a9");
        Assert.Equal(0, (int)volatility["secret_count"]!);
    }

    [Fact]
    public async Task Volatility_reports_a_secret_in_dumped_memory_redacted_and_never_in_full()
    {
        const string secret = "Sx9Q2kLm7vB";
        SecretRegistry.Register(secret, "a token planted in the checkpoint's memory");
        var planted = await PlantAsync("HOSTNAME=d54a500a06a9", "API_TOKEN=" + secret);
        var kubelet = f.Cluster.Emulator!.Kubelet;
        var original = kubelet.CheckpointFixturePath;
        string path;
        kubelet.CheckpointFixturePath = planted;
        try { path = (string)(await f.TakeCheckpointAsync()).Response["checkpoint_path"]!; }
        finally
        {
            kubelet.CheckpointFixturePath = original;
            File.Delete(planted);
        }

        using var r = await f.Operator.PostAsync("/api/snap/checkpoint/insights", JsonContent(new { checkpoint_path = path, analysis_type = "volatility" }));
        var text = await r.Content.ReadAsStringAsync();
        Assert.True(r.IsSuccessStatusCode, text);
        for (var i = 0; i + 4 <= secret.Length; i++) Assert.DoesNotContain(secret.Substring(i, 4), text);

        var volatility = JsonNode.Parse(text)!["volatility"]!;
        Assert.True((int)volatility["secret_count"]! >= 1);
        Assert.Contains(volatility["secrets"]!.AsArray(), s => ((string)s!["kind"]!).Contains("API_TOKEN") && (int)s["pid"]! == 1
            && (string)s["redacted"]! == "…[redacted, 11 chars]");
        var env = volatility["env_vars"]!.AsArray().First(e => (string)e!["name"]! == "API_TOKEN")!;
        Assert.True((bool)env["redacted"]!);
    }

    private static StringContent JsonContent(object body) =>
        new(System.Text.Json.JsonSerializer.Serialize(body), Encoding.UTF8, "application/json");

    /// <summary>The fixture with <paramref name="find"/> replaced by <paramref name="replace"/> (same length) in its memory pages.</summary>
    private static async Task<string> PlantAsync(string find, string replace)
    {
        Assert.Equal(find.Length, replace.Length);
        var fixture = KubeEmulatorServer.FindCheckpointFixture() ?? throw new FileNotFoundException("checkpoint fixture");
        var target = Path.Combine(Path.GetTempPath(), $"snap-planted-{Guid.NewGuid():N}.tar.gz");
        var replaced = 0;
        await using (var input = new GZipStream(File.OpenRead(fixture), CompressionMode.Decompress))
        await using (var output = new GZipStream(File.Create(target), CompressionLevel.Fastest))
        {
            await using var reader = new TarReader(input);
            await using var writer = new TarWriter(output, TarEntryFormat.Pax);
            while (await reader.GetNextEntryAsync(copyData: true) is { } entry)
            {
                if (entry.Name.StartsWith("checkpoint/pages-", StringComparison.Ordinal) && entry.DataStream is not null)
                {
                    var bytes = new MemoryStream();
                    await entry.DataStream.CopyToAsync(bytes);
                    var data = bytes.ToArray();
                    var pattern = Encoding.ASCII.GetBytes(find);
                    for (var i = data.AsSpan().IndexOf(pattern); i >= 0; i = data.AsSpan().IndexOf(pattern))
                    {
                        Encoding.ASCII.GetBytes(replace).CopyTo(data, i);
                        replaced++;
                    }
                    entry.DataStream = new MemoryStream(data);
                }
                await writer.WriteEntryAsync(entry);
            }
        }
        Assert.True(replaced > 0, $"'{find}' is not in the fixture's pages");
        return target;
    }
}
