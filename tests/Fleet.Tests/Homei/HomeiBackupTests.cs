using System.Formats.Tar;
using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Docker.DotNet.Models;
using static Fleet.Tests.Homei.HomeiFixture;

namespace Fleet.Tests.Homei;

[Collection("homei")]
public sealed class HomeiBackupTests(HomeiFixture f)
{
    [Fact]
    public async Task Full_backup_holds_a_named_volume_and_restore_brings_back_the_deleted_service_and_its_file()
    {
        var svc = UniqueName("bk");
        var vol = UniqueName("bkvol");
        var content = "backup-" + Guid.NewGuid().ToString("N");
        string? backup = null;
        try
        {
            var r = await f.CreateService(new
            {
                name = svc,
                image = BusyboxImage,
                enabled = true,
                restart_policy = "no",
                volumes = new[] { $"{vol}:/data" },
                command = new[] { "sh", "-c", "while :; do sleep 1; done" },
            });
            Assert.Equal(HttpStatusCode.Created, r.StatusCode);
            await Exec((await f.ContainerOf(svc))!.ID, "sh", "-c", $"printf '%s' '{content}' > /data/file.txt");
            Assert.Equal(content, await ReadFile(svc, "/data/file.txt"));

            r = await f.Client.PostAsJsonAsync("/api/homei/v1/backups", new { name = "itest", type = "full", include_data = true });
            var body = await Json(r);
            Assert.True(r.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.Created, body.ToString());
            backup = body.GetProperty("name").GetString()!;
            Assert.Matches(@"^itest-\d{8}-\d{6}\.tar\.gz$", backup);
            if (r.StatusCode == HttpStatusCode.Accepted)
            {
                Assert.Equal("creating", body.GetProperty("status").GetString());
                var done = await Finished(body);
                Assert.Equal("completed", done.GetProperty("customStatus").GetProperty("stage").GetString());
            }

            var list = await Json(await f.Client.GetAsync("/api/homei/v1/backups"));
            var item = list.GetProperty("backups").EnumerateArray().Single(b => b.GetProperty("name").GetString() == backup);
            Assert.Equal("full", item.GetProperty("type").GetString());
            Assert.True(item.GetProperty("size").GetInt64() > 0);
            Assert.True(DateTimeOffset.UtcNow - item.GetProperty("created_at").GetDateTimeOffset() < TimeSpan.FromMinutes(5));

            // Lose the service, its container and its volume.
            Assert.Equal(HttpStatusCode.OK, (await f.Client.DeleteAsync($"/api/homei/v1/services/{svc}")).StatusCode);
            Assert.Null(await f.ContainerOf(svc));
            await f.Docker.Volumes.RemoveAsync(vol, force: true);
            Assert.DoesNotContain((await f.Docker.Volumes.ListAsync()).Volumes, v => v.Name == vol);

            r = await f.Client.PostAsync($"/api/homei/v1/backups/{backup}/restore", null);
            body = await Json(r);
            Assert.True(r.StatusCode is HttpStatusCode.Accepted or HttpStatusCode.OK, body.ToString());
            if (r.StatusCode == HttpStatusCode.Accepted)
            {
                Assert.Equal("restoring", body.GetProperty("status").GetString());
                var done = await Finished(body);
                var custom = done.GetProperty("customStatus");
                Assert.Equal("completed", custom.GetProperty("stage").GetString());
                Assert.Contains(custom.GetProperty("volumes").EnumerateArray(), v => v.GetString() == vol);
            }

            Assert.True((await f.Inspect(svc)).State.Running);
            Assert.Equal(content, await ReadFile(svc, "/data/file.txt"));
            Assert.Equal("running", (await Json(await f.Client.GetAsync($"/api/homei/v1/services/{svc}"))).GetProperty("status").GetString());
        }
        finally
        {
            await f.Cleanup(svc);
            if (backup is not null) await f.Client.DeleteAsync($"/api/homei/v1/backups/{backup}");
            try { await f.Docker.Volumes.RemoveAsync(vol, force: true); } catch (Docker.DotNet.DockerApiException) { }
        }
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    public async Task A_path_as_backup_name_is_a_400_and_creates_nothing(string name)
    {
        var before = await Names();
        var r = await f.Client.PostAsJsonAsync("/api/homei/v1/backups", new { name, type = "full", include_data = false });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        Assert.Contains("VALIDATION_ERROR", await r.Content.ReadAsStringAsync());
        Assert.Equal(before, await Names());
    }

    [Fact]
    public async Task Bad_type_and_path_like_stored_names_are_400()
    {
        var r = await f.Client.PostAsJsonAsync("/api/homei/v1/backups", new { name = "ok", type = "partial" });
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        r = await f.Client.PostAsync("/api/homei/v1/backups/..%2Fx.tar.gz/restore", null);
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
        r = await f.Client.DeleteAsync("/api/homei/v1/backups/not-a-backup");
        Assert.Equal(HttpStatusCode.BadRequest, r.StatusCode);
    }

    [Fact]
    public async Task Delete_removes_a_backup_from_the_list_and_a_second_delete_is_404()
    {
        var r = await f.Client.PostAsJsonAsync("/api/homei/v1/backups", new { name = "del", type = "config" });
        var body = await Json(r);
        if (r.StatusCode == HttpStatusCode.Accepted) await Finished(body);
        else Assert.Equal(HttpStatusCode.Created, r.StatusCode);
        var name = body.GetProperty("name").GetString()!;
        var item = (await Json(await f.Client.GetAsync("/api/homei/v1/backups"))).GetProperty("backups").EnumerateArray()
            .Single(b => b.GetProperty("name").GetString() == name);
        Assert.Equal("config", item.GetProperty("type").GetString());

        r = await f.Client.DeleteAsync($"/api/homei/v1/backups/{name}");
        Assert.Equal(HttpStatusCode.OK, r.StatusCode);
        Assert.Equal("deleted", (await Json(r)).GetProperty("status").GetString());
        Assert.DoesNotContain(name, await Names());
        Assert.Equal(HttpStatusCode.NotFound, (await f.Client.DeleteAsync($"/api/homei/v1/backups/{name}")).StatusCode);
    }

    [Fact]
    public async Task Restoring_an_unknown_backup_is_404_BACKUP_ERROR()
    {
        var r = await f.Client.PostAsync("/api/homei/v1/backups/nope-20240101-000000.tar.gz/restore", null);
        Assert.Equal(HttpStatusCode.NotFound, r.StatusCode);
        Assert.Contains("BACKUP_ERROR", await r.Content.ReadAsStringAsync());
    }

    private async Task<List<string>> Names() =>
        (await Json(await f.Client.GetAsync("/api/homei/v1/backups"))).GetProperty("backups").EnumerateArray()
            .Select(b => b.GetProperty("name").GetString()!).Order().ToList();

    private async Task<JsonElement> Finished(JsonElement accepted)
    {
        var uri = accepted.GetProperty("statusQueryGetUri").GetString()!;
        var done = await Eventually(async () =>
        {
            var st = await Json(await f.Client.GetAsync(uri));
            return st.GetProperty("runtimeStatus").GetString() is "Completed" or "Failed" ? new StrongBox<JsonElement>(st) : null;
        }, "the backup orchestration", 90);
        Assert.True(done.Value.GetProperty("runtimeStatus").GetString() == "Completed", done.Value.ToString());
        return done.Value;
    }

    private async Task Exec(string container, params string[] cmd)
    {
        var e = await f.Docker.Exec.ExecCreateContainerAsync(container, new ContainerExecCreateParameters { Cmd = cmd });
        await f.Docker.Exec.StartContainerExecAsync(e.ID);
        var result = await Eventually(async () =>
        {
            var i = await f.Docker.Exec.InspectContainerExecAsync(e.ID);
            return i.Running ? null : i;
        }, "the exec");
        Assert.Equal(0, result.ExitCode);
    }

    /// <summary>A file from the service's container, read through the engine's archive API.</summary>
    private async Task<string> ReadFile(string service, string path)
    {
        var c = (await f.ContainerOf(service))!;
        var archive = await f.Docker.Containers.GetArchiveFromContainerAsync(c.ID, new GetArchiveFromContainerParameters { Path = path }, false);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var tar = new TarReader(archive.Stream);
        var entry = (await tar.GetNextEntryAsync(copyData: true, cts.Token))!;
        using var reader = new StreamReader(entry.DataStream!, Encoding.UTF8);
        return await reader.ReadToEndAsync(cts.Token);
    }
}
