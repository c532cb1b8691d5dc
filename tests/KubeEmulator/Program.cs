using System.Runtime.InteropServices;
using Fleet.KubeEmulator;

// Standalone: dotnet run --project tests/KubeEmulator -- --port <p> --kubeconfig-out <file> [--token <t>]
var options = new KubeEmulatorOptions();
string? kubeconfigOut = null;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port": options.Port = int.Parse(args[++i]); break;
        case "--kubeconfig-out": kubeconfigOut = args[++i]; break;
        case "--token": options.Token = args[++i]; break;
        case "--http": options.UseHttps = false; break;
        case "--checkpoint-fixture": options.CheckpointFixturePath = args[++i]; break;
        default:
            Console.Error.WriteLine($"unknown argument {args[i]}; usage: --port <p> --kubeconfig-out <file> [--token <t>] [--checkpoint-fixture <path>]");
            return 2;
    }
}

await using var server = await KubeEmulatorServer.StartAsync(options);
if (kubeconfigOut is not null) server.WriteKubeconfig(kubeconfigOut);
Console.WriteLine($"Kubernetes API emulator listening on {server.BaseUrl}");
if (kubeconfigOut is not null) Console.WriteLine($"kubeconfig written to {kubeconfigOut}");

var stop = new TaskCompletionSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, c => { c.Cancel = true; stop.TrySetResult(); });
using var onInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, c => { c.Cancel = true; stop.TrySetResult(); });
await stop.Task;
return 0;
