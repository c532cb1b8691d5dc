using System.Diagnostics;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Fleet.Core.Platform.Errors;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Homei;

public sealed record SlotInstalled(string? Timestamp, long Count);
public sealed record RaucSlot(string Name, string? Class, string? Device, string? Type, string? Bootname, string? State,
    string? BootStatus, string? Sha256, long? Size, SlotInstalled? Installed, string? BundleVersion);
public sealed record RaucStatus(string? Compatible, string? Booted, string? BootPrimary, List<RaucSlot> Slots);
public sealed record RaucProgress(int Percent, string Message);

/// <summary>
/// The <c>rauc</c> CLI (<c>Homei__Rauc__Command</c>), which talks to the RAUC service over the system
/// D-Bus. Bundles may only come from <c>Homei__Rauc__BundleDirectory</c>.
/// </summary>
public sealed partial class RaucClient(IOptions<HomeiOptions> options)
{
    private RaucOptions Rauc => options.Value.Rauc;

    /// <summary><c>rauc status --output-format=json --detailed</c> in the seed's shape; <c>booted</c> is a slot name.</summary>
    public async Task<RaucStatus> StatusAsync(CancellationToken ct = default)
    {
        var (code, stdout, stderr) = await RunAsync(["status", "--output-format=json", "--detailed"], null, ct);
        if (code != 0) throw HomeiErrors.Update("rauc status failed: " + LastLine(stderr), FleetErrorKind.UpstreamUnreachable);
        var root = JsonNode.Parse(stdout)!.AsObject();
        var slots = new List<RaucSlot>();
        foreach (var entry in root["slots"]?.AsArray() ?? [])
            foreach (var (name, node) in entry!.AsObject())
            {
                var s = node!.AsObject();
                var status = s["slot_status"];
                slots.Add(new RaucSlot(name, Str(s["class"]), Str(s["device"]), Str(s["type"]), Str(s["bootname"]), Str(s["state"]),
                    Str(s["boot_status"]), Str(status?["checksum"]?["sha256"]), Long(status?["checksum"]?["size"]),
                    status?["installed"] is JsonObject i ? new SlotInstalled(Str(i["timestamp"]), Long(i["count"]) ?? 0) : null,
                    Str(status?["bundle"]?["version"])));
            }
        slots.Sort((a, b) => string.CompareOrdinal(a.Name, b.Name));
        var bootedName = Str(root["booted"]);
        var booted = slots.FirstOrDefault(s => s.Bootname == bootedName)?.Name ?? bootedName;
        return new RaucStatus(Str(root["compatible"]), booted, Str(root["boot_primary"]), slots);
    }

    /// <summary>The bundle's full path if it is a file inside the bundle folder, else a 400 naming <c>bundle_path</c>.</summary>
    public string ResolveBundle(string? bundlePath)
    {
        if (string.IsNullOrWhiteSpace(bundlePath)) throw FleetException.Validation("bundle_path", "bundle_path is required");
        if (bundlePath.Length > 4096 || bundlePath.Any(char.IsControl))
            throw FleetException.Validation("bundle_path", "bundle_path must be a path of at most 4096 characters without control characters");
        var root = Path.GetFullPath(Rauc.BundleDirectory).TrimEnd('/') + "/";
        var full = Path.GetFullPath(bundlePath, root);
        if (!full.StartsWith(root, StringComparison.Ordinal))
            throw FleetException.Validation("bundle_path", $"bundle_path must be inside {Rauc.BundleDirectory}");
        if (!File.Exists(full)) throw FleetException.Validation("bundle_path", $"Bundle '{bundlePath}' does not exist");
        // A symlink inside the folder must not lead outside it.
        var target = new FileInfo(full).ResolveLinkTarget(true)?.FullName ?? full;
        if (!target.StartsWith(root, StringComparison.Ordinal))
            throw FleetException.Validation("bundle_path", $"bundle_path must be inside {Rauc.BundleDirectory}");
        return full;
    }

    /// <summary><c>rauc install</c>, reporting each progress line; a failure is UPDATE_ERROR with rauc's own message.</summary>
    public async Task InstallAsync(string bundle, Action<RaucProgress> progress, CancellationToken ct = default)
    {
        var (code, _, stderr) = await RunAsync(["install", ResolveBundle(bundle)], line =>
        {
            var m = ProgressLine().Match(line);
            if (m.Success) progress(new RaucProgress(int.Parse(m.Groups[1].Value), m.Groups[2].Value.Trim()));
        }, ct);
        if (code != 0) throw HomeiErrors.Update("rauc install failed: " + LastLine(stderr));
    }

    /// <summary><c>rauc status mark-good</c>: the booted slot is good, so the bootloader will not fall back.</summary>
    public async Task MarkGoodAsync(CancellationToken ct = default)
    {
        var (code, _, stderr) = await RunAsync(["status", "mark-good"], null, ct);
        if (code != 0) throw HomeiErrors.Update("rauc mark-good failed: " + LastLine(stderr));
    }

    private async Task<(int Code, string Stdout, string Stderr)> RunAsync(string[] args, Action<string>? onLine, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Rauc.Command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = new Process { StartInfo = psi };
        try { p.Start(); }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw HomeiErrors.Update($"Cannot run '{Rauc.Command}': {e.Message}", FleetErrorKind.Unavailable, e);
        }
        var stdout = new System.Text.StringBuilder();
        async Task Pump(StreamReader r, System.Text.StringBuilder sink)
        {
            while (await r.ReadLineAsync(ct) is { } line)
            {
                lock (sink) sink.AppendLine(line);
                onLine?.Invoke(line);
            }
        }
        var stderr = new System.Text.StringBuilder();
        await Task.WhenAll(Pump(p.StandardOutput, stdout), Pump(p.StandardError, stderr), p.WaitForExitAsync(ct));
        return (p.ExitCode, stdout.ToString(), stderr.ToString());
    }

    private static string LastLine(string s) =>
        s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";

    private static string? Str(JsonNode? n) => n is JsonValue v && v.TryGetValue<string>(out var s) ? s : n is JsonValue ? n.ToJsonString() : null;
    private static long? Long(JsonNode? n) => n is JsonValue v && v.TryGetValue<long>(out var l) ? l : null;

    [GeneratedRegex(@"^\s*(\d{1,3})%\s+(.*)$")]
    private static partial Regex ProgressLine();
}
