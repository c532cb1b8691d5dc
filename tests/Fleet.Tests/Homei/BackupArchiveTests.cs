using System.Text.Json.Nodes;
using Fleet.Core.Homei;
using Fleet.Core.Platform.Errors;

namespace Fleet.Tests.Homei;

public sealed class BackupArchiveTests
{
    [Fact]
    public async Task A_backup_archive_round_trips_services_config_and_volume_contents()
    {
        var at = new DateTimeOffset(2024, 1, 15, 10, 30, 0, TimeSpan.Zero);
        var service = new ServiceDefinition
        {
            Name = "db", Image = "local/busybox-httpd:1", Ports = ["127.0.0.1:8080:80/udp"], Volumes = ["dbdata:/data"],
            Environment = new() { ["A"] = "1" }, CreatedAt = at, UpdatedAt = at,
        };
        var volume = new byte[] { 1, 2, 3, 4, 5 };
        using var ms = new MemoryStream();
        await BackupArchive.WriteAsync(ms, new BackupContent("full", at, [service], HomeiConfigStore.Defaults(),
            new Dictionary<string, byte[]> { ["dbdata"] = volume }));
        ms.Position = 0;
        var back = await BackupArchive.ReadAsync(ms);
        Assert.Equal("full", back.Type);
        Assert.Equal(at, back.CreatedAt);
        Assert.Equal(service.Ports, Assert.Single(back.Services).Ports);
        Assert.Equal("1", back.Services[0].Environment["A"]);
        Assert.Equal("Homei Orchestrator", back.Config!["orchestrator"]!["name"]!.GetValue<string>());
        Assert.Equal(volume, back.Volumes["dbdata"]);
        Assert.Equal("manual-backup-20240115-103000.tar.gz", BackupArchive.FileName("manual-backup", at));
    }

    [Theory]
    [InlineData("../../etc/passwd")]
    [InlineData("..%2Fsecret.tar.gz")]
    [InlineData("a/../../b.tar.gz")]
    [InlineData("backup.zip")]
    [InlineData("")]
    public void Traversal_and_foreign_names_are_rejected(string name)
    {
        var e = Assert.Throws<FleetException>(() => BackupArchive.CheckStoredName(name));
        Assert.Equal(FleetErrorKind.Validation, e.Kind);
        Assert.Equal("backup_name", e.Field);
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("a/b")]
    [InlineData(".hidden")]
    public void Bad_requested_names_are_rejected(string name) =>
        Assert.Equal("name", Assert.Throws<FleetException>(() => BackupArchive.FileName(name, DateTimeOffset.UtcNow)).Field);

    [Fact]
    public async Task A_damaged_archive_is_a_backup_error()
    {
        using var ms = new MemoryStream([1, 2, 3, 4]);
        var e = await Assert.ThrowsAsync<FleetException>(() => BackupArchive.ReadAsync(ms));
        Assert.Equal("BACKUP_ERROR", e.Code);
    }
}
