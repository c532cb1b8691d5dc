using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using k8s;

namespace Fleet.KubeEmulator.Tests;

/// <summary>kubectl against the standalone emulator process, started the way CI and developers start it.</summary>
[Trait("Category", "Emulator")]
public sealed class KubectlTests : IAsyncLifetime
{
    private const string Kubectl = "/usr/bin/kubectl";
    private Process? _emulator;
    private readonly string _kubeconfig = Path.Combine(Path.GetTempPath(), $"kubectl-emulator-{Guid.NewGuid():N}.yaml");

    public async Task InitializeAsync()
    {
        var port = FreePort();
        var dll = Path.Combine(AppContext.BaseDirectory, "KubeEmulator.dll");
        _emulator = Process.Start(new ProcessStartInfo("dotnet", [dll, "--port", port.ToString(), "--kubeconfig-out", _kubeconfig])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        _emulator.OutputDataReceived += (_, _) => { };
        _emulator.ErrorDataReceived += (_, _) => { };
        _emulator.BeginOutputReadLine();
        _emulator.BeginErrorReadLine();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!File.Exists(_kubeconfig))
        {
            if (_emulator.HasExited) throw new InvalidOperationException($"emulator exited with {_emulator.ExitCode}");
            if (DateTime.UtcNow > deadline) throw new TimeoutException("the emulator did not write its kubeconfig");
            await Task.Delay(100);
        }
        await Task.Delay(100); // the file is written in one call; give the writer time to close it
    }

    public async Task DisposeAsync()
    {
        if (_emulator is { HasExited: false })
        {
            _emulator.Kill();
            await _emulator.WaitForExitAsync();
        }
        _emulator?.Dispose();
        File.Delete(_kubeconfig);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private async Task<(int Code, string Out, string Err)> RunKubectl(params string[] args)
    {
        var psi = new ProcessStartInfo(Kubectl) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        psi.ArgumentList.Add("--kubeconfig");
        psi.ArgumentList.Add(_kubeconfig);
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await p.WaitForExitAsync(cts.Token);
        return (p.ExitCode, await stdout, await stderr);
    }

    [Fact]
    public async Task Kubectl_get_pods_all_namespaces_lists_the_pods()
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(_kubeconfig);
        using var client = new Kubernetes(config);
        foreach (var (ns, name) in new[] { ("default", "alpha"), ("kube-system", "beta") })
            await client.CoreV1.CreateNamespacedPodAsync(new k8s.Models.V1Pod
            {
                Metadata = new k8s.Models.V1ObjectMeta { Name = name },
                Spec = new k8s.Models.V1PodSpec { Containers = [new k8s.Models.V1Container { Name = "c", Image = "busybox:1.36" }] },
            }, ns);

        var (code, output, error) = await RunKubectl("get", "pods", "-A");
        Assert.True(code == 0, $"kubectl exited {code}: {error}");
        Assert.Contains("NAMESPACE", output);
        Assert.Contains("alpha", output);
        Assert.Contains("beta", output);
        Assert.Contains("kube-system", output);

        (code, output, error) = await RunKubectl("get", "nodes");
        Assert.True(code == 0, $"kubectl exited {code}: {error}");
        Assert.Contains("node-1", output);
        Assert.Contains("edge-1", output);

        (code, output, error) = await RunKubectl("get", "pod", "alpha", "-o", "json");
        Assert.True(code == 0, $"kubectl exited {code}: {error}");
        Assert.Equal("alpha", JsonNode.Parse(output)!["metadata"]!["name"]!.GetValue<string>());
    }
}
