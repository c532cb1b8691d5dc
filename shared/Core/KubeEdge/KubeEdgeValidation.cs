using System.Text.RegularExpressions;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.KubeEdge;

/// <summary>Input rules shared by the routes; each failure is a 400 naming the field, raised before anything is written.</summary>
public static partial class KubeEdgeValidation
{
    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")]
    private static partial Regex Dns1123Label();

    [GeneratedRegex(@"^v?\d+\.\d+\.\d+$")]
    private static partial Regex Version();

    /// <summary>Kubernetes object and node names here are DNS-1123 labels: what a Device name and an edge node name must be.</summary>
    public static string Label(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value)) throw FleetException.Validation(field, $"{field} is required");
        if (value.Length > 63 || !Dns1123Label().IsMatch(value))
            throw FleetException.Validation(field,
                $"{field} '{value}' must be a DNS-1123 label: at most 63 lowercase letters, digits or '-', starting and ending with a letter or digit");
        return value;
    }

    public static string KubeEdgeVersion(string? value, string field)
    {
        if (value is null || !Version().IsMatch(value)) throw FleetException.Validation(field, $"{field} must look like 1.18.0");
        return value.TrimStart('v');
    }

    public static int Range(int value, int min, int max, string field) =>
        value >= min && value <= max ? value : throw FleetException.Validation(field, $"{field} must be between {min} and {max}");

    public static string Host(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value) || Uri.CheckHostName(value.Trim()) == UriHostNameType.Unknown)
            throw FleetException.Validation(field, $"{field} must be an IP address or a host name");
        return value.Trim();
    }

    public static string TopicPrefix(string? value, string field)
    {
        if (string.IsNullOrWhiteSpace(value) || value.IndexOfAny(['+', '#', '\0']) >= 0 || value.StartsWith('/') || value.EndsWith('/') || value.Length > 100)
            throw FleetException.Validation(field, $"{field} must be a non-empty MQTT topic without wildcards or leading/trailing '/'");
        return value;
    }
}
