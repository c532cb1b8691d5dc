using System.Net;
using System.Text.RegularExpressions;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Homei;

/// <summary>
/// Checks a definition before anything is written or created: the first bad field is a 400 that
/// names it (e.g. <c>ports[1]</c>), so the engine never sees input it would reject half-way.
/// </summary>
public static partial class ServiceSpecValidator
{
    public static readonly string[] RestartPolicies = ["no", "always", "on-failure", "unless-stopped"];

    public static void Validate(ServiceDefinition d)
    {
        ValidateName(d.Name);
        if (string.IsNullOrWhiteSpace(d.Image) || !ImageReference().IsMatch(d.Image))
            throw Bad("image", $"'{d.Image}' is not a valid image reference");
        if (!IsRestartPolicy(d.RestartPolicy))
            throw Bad("restart_policy", $"restart_policy must be one of: {string.Join(", ", RestartPolicies)}");
        foreach (var key in d.Environment.Keys)
            if (!EnvName().IsMatch(key)) throw Bad($"environment.{key}", $"'{key}' is not a valid environment variable name");
        for (var i = 0; i < d.Ports.Count; i++)
            if (PortMapping.TryParse(d.Ports[i]) is null)
                throw Bad($"ports[{i}]", $"'{d.Ports[i]}' is not a port mapping like \"80:80\" or \"127.0.0.1:8080:80/udp\"");
        for (var i = 0; i < d.Volumes.Count; i++)
            if (VolumeMount.TryParse(d.Volumes[i]) is null)
                throw Bad($"volumes[{i}]", $"'{d.Volumes[i]}' is not a volume like \"/host:/container[:ro]\" or \"name:/container\"");
        for (var i = 0; i < d.DependsOn.Count; i++)
        {
            if (!ServiceName().IsMatch(d.DependsOn[i])) throw Bad($"depends_on[{i}]", $"'{d.DependsOn[i]}' is not a valid service name");
            if (d.DependsOn[i] == d.Name) throw Bad($"depends_on[{i}]", $"Service '{d.Name}' cannot depend on itself");
        }
        foreach (var key in d.Labels.Keys)
            if (string.IsNullOrWhiteSpace(key) || key.Length > 255) throw Bad("labels", $"'{key}' is not a valid label key");
        if (d.Command is { } cmd && cmd.Any(string.IsNullOrEmpty)) throw Bad("command", "command entries must be non-empty strings");
        if (d.Entrypoint is { } ep && ep.Any(string.IsNullOrEmpty)) throw Bad("entrypoint", "entrypoint entries must be non-empty strings");
    }

    public static void ValidateName(string? name, string field = "name")
    {
        if (string.IsNullOrEmpty(name) || !ServiceName().IsMatch(name))
            throw Bad(field, $"'{name}' is not a valid service name (letters, digits, '_', '.', '-'; at most 63; starting with a letter or digit)");
    }

    public static bool IsRestartPolicy(string p) =>
        RestartPolicies.Contains(p) || (p.StartsWith("on-failure:", StringComparison.Ordinal) && int.TryParse(p[11..], out var n) && n >= 0);

    private static FleetException Bad(string field, string message) => FleetException.Validation(field, message);

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,62}$")]
    public static partial Regex ServiceName();

    [GeneratedRegex("^[A-Za-z_][A-Za-z0-9_]*$")]
    private static partial Regex EnvName();

    // Docker's reference grammar: [domain[:port]/]path[:tag][@digest], path components lower-case.
    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?)/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[\w][\w.-]{0,127})?(?:@sha256:[a-f0-9]{64})?$")]
    private static partial Regex ImageReference();
}

/// <summary>A port mapping <c>[ip:][host:]container[/proto]</c>.</summary>
public sealed record PortMapping(string? HostIp, int? HostPort, int ContainerPort, string Protocol)
{
    public string ContainerKey => $"{ContainerPort}/{Protocol}";

    public static PortMapping? TryParse(string? s)
    {
        if (string.IsNullOrWhiteSpace(s)) return null;
        var proto = "tcp";
        var slash = s.IndexOf('/');
        if (slash >= 0)
        {
            proto = s[(slash + 1)..];
            if (proto is not ("tcp" or "udp" or "sctp")) return null;
            s = s[..slash];
        }
        var parts = s.Split(':');
        string? ip = null;
        string? host = null;
        string container;
        switch (parts.Length)
        {
            case 1: container = parts[0]; break;
            case 2: host = parts[0]; container = parts[1]; break;
            case 3: ip = parts[0]; host = parts[1]; container = parts[2]; break;
            default: return null;
        }
        if (ip is not null && (!IPAddress.TryParse(ip, out var addr) || addr.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)) return null;
        if (!Port(container, out var c)) return null;
        int? h = null;
        if (!string.IsNullOrEmpty(host))
        {
            if (!Port(host, out var hp)) return null;
            h = hp;
        }
        else if (host is not null && ip is null) return null; // ":80" names no host port and no address
        return new PortMapping(ip, h, c, proto);
    }

    private static bool Port(string s, out int port) =>
        int.TryParse(s, System.Globalization.NumberStyles.None, null, out port) && port is >= 1 and <= 65535;
}

/// <summary>A mount <c>/host:/container[:ro|rw]</c> (bind) or <c>name:/container[:ro|rw]</c> (named volume).</summary>
public sealed partial record VolumeMount(string Source, string Target, bool ReadOnly)
{
    public bool IsNamed => !Source.StartsWith('/');

    public string ToBind() => $"{Source}:{Target}{(ReadOnly ? ":ro" : "")}";

    public static VolumeMount? TryParse(string? s)
    {
        if (string.IsNullOrWhiteSpace(s)) return null;
        var parts = s.Split(':');
        if (parts.Length is < 2 or > 3) return null;
        var ro = false;
        if (parts.Length == 3)
        {
            if (parts[2] is not ("ro" or "rw")) return null;
            ro = parts[2] == "ro";
        }
        var (source, target) = (parts[0], parts[1]);
        if (!AbsolutePath(target) || target == "/") return null;
        if (source.StartsWith('/')) { if (!AbsolutePath(source)) return null; }
        else if (!VolumeName().IsMatch(source)) return null;
        return new VolumeMount(source, target, ro);
    }

    private static bool AbsolutePath(string p) =>
        p.StartsWith('/') && !p.Split('/').Any(seg => seg is ".." or ".") && !p.Contains('\0');

    [GeneratedRegex("^[a-zA-Z0-9][a-zA-Z0-9_.-]+$")]
    private static partial Regex VolumeName();
}
