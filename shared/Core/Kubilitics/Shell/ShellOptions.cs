namespace Fleet.Core.Kubilitics.Shell;

/// <summary>App settings <c>Kubilitics__Shell__*</c>: how <c>POST shell</c> and the shell streams run kubectl.</summary>
public sealed class ShellOptions
{
    /// <summary>The kubectl binary (run directly, never through a shell).</summary>
    public string KubectlPath { get; set; } = "/usr/bin/kubectl";

    /// <summary>A command still running after this is killed (with its children) and answered 504.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Bytes kept of each of stdout and stderr; the rest is dropped with a note.</summary>
    public int MaxOutputBytes { get; set; } = 1024 * 1024;

    /// <summary>A stream session without a command for this long is closed.</summary>
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>Longest command line accepted.</summary>
    public int MaxCommandLength { get; set; } = 4096;
}
