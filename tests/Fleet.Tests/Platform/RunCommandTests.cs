using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Fleet.Tests.Support;

namespace Fleet.Tests.Platform;

/// <summary>
/// The README's run command, as a newcomer runs it: it installs/starts Azurite itself, starts the
/// host, answers /api/health with storage connected, and stops both when interrupted.
/// </summary>
public sealed class RunCommandTests
{
    [Fact]
    public async Task Run_command_brings_health_to_200_with_storage_connected_and_stops_everything_on_interrupt()
    {
        var root = Peers.RepoRoot;
        var dataDir = Directory.CreateTempSubdirectory("fleet-run-").FullName;
        var hostPort = Peers.FreePort();
        var azuriteBase = FreePortRange(3);
        // Launched with SIGINT ignored, as a script or CI runner may start it: run.sh must still stop on it.
        var psi = new ProcessStartInfo("bash", ["-c", "trap '' INT; exec bash \"$0\"", Path.Combine(root, "infra", "run.sh")])
        {
            WorkingDirectory = root,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // A newcomer's shell: no storage account named, no broker named.
        psi.Environment.Remove("AzureWebJobsStorage");
        psi.Environment.Remove("Mqtt__Broker");
        psi.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{hostPort}";
        psi.Environment["Mqtt__EmbeddedPort"] = Peers.FreePort().ToString();
        psi.Environment["FLEET_AZURITE_PORT_BASE"] = azuriteBase.ToString();
        psi.Environment["FLEET_DATA_DIR"] = dataDir;
        psi.Environment["Health__Required"] = "storage,mqtt";

        using var process = Process.Start(psi)!;
        var output = new System.Text.StringBuilder();
        process.OutputDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { lock (output) output.AppendLine(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        // The output is still being appended while a message is built: read it under the same lock.
        string Output() { lock (output) return output.ToString(); }
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            JsonNode? health = null;
            var deadline = DateTime.UtcNow.AddMinutes(4);
            while (DateTime.UtcNow < deadline && !process.HasExited)
            {
                try
                {
                    var r = await http.GetAsync($"http://127.0.0.1:{hostPort}/api/health");
                    if (r.StatusCode == HttpStatusCode.OK)
                    {
                        health = JsonNode.Parse(await r.Content.ReadAsStringAsync());
                        break;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or TaskCanceledException) { }
                await Task.Delay(500);
            }
            Assert.True(health is not null, "health never reached 200:\n" + Output());
            Assert.Equal("healthy", (string?)health!["status"]);
            Assert.Equal("connected", (string?)health["components"]!["storage"]);
            Assert.Equal("connected", (string?)health["components"]!["mqtt"]);
            Assert.True(IsListening(azuriteBase + 2), "Azurite's table port should be open while Fleet runs");

            // Ctrl-C: the script stops the host and Azurite.
            Process.Start("kill", ["-INT", process.Id.ToString()])!.WaitForExit();
            var exited = process.WaitForExit(30_000);
            Assert.True(exited, "run command did not exit after SIGINT:\n" + Output());
            await Task.Delay(500);
            Assert.False(IsListening(hostPort), "host still listening after Ctrl-C");
            Assert.False(IsListening(azuriteBase + 2), "Azurite still listening after Ctrl-C");
        }
        finally
        {
            if (!process.HasExited) process.Kill(entireProcessTree: true);
        }
    }

    private static bool IsListening(int port)
    {
        try
        {
            using var c = new TcpClient();
            c.Connect(IPAddress.Loopback, port);
            return true;
        }
        catch (SocketException) { return false; }
    }

    /// <summary>A base port whose next <paramref name="count"/> ports are all free.</summary>
    private static int FreePortRange(int count)
    {
        var rnd = new Random();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var b = rnd.Next(20000, 60000);
            if (Enumerable.Range(b, count).All(p => !IsListening(p) && CanBind(p))) return b;
        }
        throw new InvalidOperationException("no free port range");
    }

    private static bool CanBind(int port)
    {
        try
        {
            var l = new TcpListener(IPAddress.Loopback, port);
            l.Start();
            l.Stop();
            return true;
        }
        catch (SocketException) { return false; }
    }
}
