using System.Diagnostics;
using System.Text.Json.Nodes;
using Fleet.Core.Platform.Errors;
using Microsoft.Extensions.Options;

namespace Fleet.Core.Snap;

/// <summary>
/// CRIU's own image decoder, <c>crit</c> (Debian package <c>criu</c>): <c>crit decode -i IMAGE</c> prints an image as
/// JSON, decoded with CRIU's protobuf definitions.
/// </summary>
public sealed class CritDecoder(IOptions<SnapOptions> options)
{
    public string Command => options.Value.CritCommand;

    /// <summary>The decoded image's <c>entries</c>; an image crit cannot read is an error naming it.</summary>
    public async Task<JsonArray> EntriesAsync(string imagePath, CancellationToken ct)
    {
        var psi = new ProcessStartInfo(Command) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("decode");
        psi.ArgumentList.Add("-i");
        psi.ArgumentList.Add(imagePath);
        using var p = new Process { StartInfo = psi };
        try { p.Start(); }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new FleetException(FleetErrorKind.Unavailable,
                $"CRIU's image decoder '{Command}' is not installed on this host (Debian package criu)", code: SnapErrors.CheckpointFailed);
        }
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            var stdout = p.StandardOutput.ReadToEndAsync(timeout.Token);
            var stderr = p.StandardError.ReadToEndAsync(timeout.Token);
            await p.WaitForExitAsync(timeout.Token);
            var text = await stdout;
            if (p.ExitCode != 0)
                throw new FleetException(FleetErrorKind.Validation, $"crit cannot decode {Path.GetFileName(imagePath)}: {LastLine(await stderr)}",
                    "checkpoint_path", SnapErrors.CheckpointFailed);
            return (JsonNode.Parse(text) as JsonObject)?["entries"] as JsonArray ?? [];
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new FleetException(FleetErrorKind.UpstreamTimeout, $"crit took too long to decode {Path.GetFileName(imagePath)}", code: SnapErrors.CheckpointFailed);
        }
        finally
        {
            if (!p.HasExited) try { p.Kill(entireProcessTree: true); } catch (InvalidOperationException) { }
        }
    }

    private static string LastLine(string s) =>
        s.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).LastOrDefault() ?? "no output";
}
