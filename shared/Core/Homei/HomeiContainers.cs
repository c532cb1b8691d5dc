using System.Text;
using Docker.DotNet.Models;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Homei;

public sealed record ContainerPort(long PrivatePort, long? PublicPort, string Type);
public sealed record ContainerSummary(string Id, string Name, string Image, string Status, bool Managed, DateTimeOffset CreatedAt, List<ContainerPort> Ports);
public sealed record ContainerStateView(string Status, bool Running, long Pid, string? StartedAt);
public sealed record ContainerConfigView(string? Hostname, IList<string> Env, IList<string> Cmd);
public sealed record PortBindingView(string HostIp, string HostPort);
public sealed record NetworkSettingsView(Dictionary<string, List<PortBindingView>?> Ports);
public sealed record ContainerDetail(string Id, string Name, string Image, string Status, bool Managed, ContainerStateView State,
    ContainerConfigView Config, NetworkSettingsView NetworkSettings);

/// <summary>Read side of the engine: every container (managed or not), details, logs and stats.</summary>
public sealed class HomeiContainers(ContainerRuntime runtime)
{
    /// <summary>Containers, optionally only (un)managed ones and only one status ("stopped" means exited or dead).</summary>
    public async Task<List<ContainerSummary>> ListAsync(bool? managed, string? status, CancellationToken ct = default)
    {
        var all = await runtime.ListAsync(ct);
        return all.Select(Summary)
            .Where(c => managed is null || c.Managed == managed)
            .Where(c => string.IsNullOrEmpty(status) || string.Equals(c.Status, status, StringComparison.OrdinalIgnoreCase))
            .OrderBy(c => c.Name).ToList();
    }

    public async Task<ContainerDetail> GetAsync(string id, CancellationToken ct = default)
    {
        var c = await InspectAsync(id, ct);
        var managed = c.Config?.Labels?.TryGetValue(HomeiLabels.Managed, out var m) == true && m == "true";
        var status = ContainerStatus(c.State?.Status);
        var ports = c.NetworkSettings?.Ports?.ToDictionary(p => p.Key,
            p => p.Value?.Select(b => new PortBindingView(b.HostIP, b.HostPort)).ToList()) ?? new Dictionary<string, List<PortBindingView>?>();
        return new ContainerDetail(HomeiServiceManager.Short(c.ID), c.Name.TrimStart('/'), c.Config?.Image ?? c.Image, status, managed,
            new ContainerStateView(status, c.State?.Running ?? false, c.State?.Pid ?? 0, Timestamp(c.State?.StartedAt)),
            new ContainerConfigView(c.Config?.Hostname, c.Config?.Env ?? [], c.Config?.Cmd ?? []),
            new NetworkSettingsView(ports));
    }

    /// <summary>The last <paramref name="tail"/> lines of stdout and stderr, demultiplexed, in the engine's order.</summary>
    public async Task<List<string>> LogsAsync(string id, int tail, bool timestamps, CancellationToken ct = default)
    {
        if (tail < 0) throw FleetException.Validation("tail", "tail must be zero or more");
        var c = await InspectAsync(id, ct);
        using var stream = await runtime.Call(() => runtime.Client.Containers.GetContainerLogsAsync(c.ID, c.Config?.Tty ?? false,
            new ContainerLogsParameters { ShowStdout = true, ShowStderr = true, Tail = tail.ToString(), Timestamps = timestamps }, ct), id);
        var lines = new List<string>();
        var pending = new StringBuilder();
        var buffer = new byte[16384];
        while (true)
        {
            var r = await stream.ReadOutputAsync(buffer, 0, buffer.Length, ct);
            if (r.EOF) break;
            pending.Append(Encoding.UTF8.GetString(buffer, 0, r.Count));
            SplitLines(pending, lines);
        }
        if (pending.Length > 0) lines.Add(pending.ToString());
        return lines;
    }

    /// <summary>One stats reading; the engine fills the previous CPU sample, so the CPU percent spans two samples.</summary>
    public async Task<ContainerStats> StatsAsync(string id, CancellationToken ct = default)
    {
        var c = await InspectAsync(id, ct);
        if (c.State?.Running != true)
            throw HomeiErrors.Docker($"Container '{id}' is not running", kind: FleetErrorKind.Conflict);
        ContainerStatsResponse? sample = null;
        await runtime.Call(() => runtime.Client.Containers.GetContainerStatsAsync(c.ID,
            new ContainerStatsParameters { Stream = false }, new Progress(s => sample = s), ct), id);
        return ContainerStatsCalculator.Calculate(sample ?? throw HomeiErrors.Docker("The engine returned no stats"));
    }

    public async Task<ContainerInspectResponse> InspectAsync(string id, CancellationToken ct)
    {
        if (string.IsNullOrWhiteSpace(id) || id.Length > 128 || id.Any(ch => !(char.IsAsciiLetterOrDigit(ch) || ch is '_' or '.' or '-')))
            throw HomeiErrors.ContainerNotFound(id);
        return await runtime.InspectAsync(id, ct);
    }

    public static void SplitLines(StringBuilder pending, List<string> lines)
    {
        var text = pending.ToString();
        var start = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\n') continue;
            lines.Add(text[start..i].TrimEnd('\r'));
            start = i + 1;
        }
        pending.Clear().Append(text[start..]);
    }

    public static string ContainerStatus(string? state) => state switch
    {
        "exited" or "dead" => "stopped",
        null => "unknown",
        var s => s,
    };

    private static ContainerSummary Summary(ContainerListResponse c) => new(
        HomeiServiceManager.Short(c.ID),
        c.Names?.FirstOrDefault()?.TrimStart('/') ?? "",
        c.Image,
        ContainerStatus(c.State),
        c.Labels is not null && c.Labels.TryGetValue(HomeiLabels.Managed, out var m) && m == "true",
        new DateTimeOffset(DateTime.SpecifyKind(c.Created, DateTimeKind.Utc)),
        c.Ports?.Select(p => new ContainerPort((long)p.PrivatePort, p.PublicPort == 0 ? null : (long)p.PublicPort, p.Type)).ToList() ?? []);

    private static string? Timestamp(string? s) =>
        DateTimeOffset.TryParse(s, out var t) && t.Year > 1 ? t.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ") : null;

    private sealed class Progress(Action<ContainerStatsResponse> onReport) : IProgress<ContainerStatsResponse>
    {
        public void Report(ContainerStatsResponse value) => onReport(value);
    }
}
