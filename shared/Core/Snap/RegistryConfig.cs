using Azure;
using Azure.Data.Tables;
using Fleet.Core.Platform.Time;

namespace Fleet.Core.Snap;

/// <summary>Row of <c>snapRegistries</c>: PK <c>registry</c>, RK = the config's name. The password is Data Protection ciphertext.</summary>
public sealed class RegistryConfigEntity : ITableEntity
{
    public const string Partition = "registry";
    public string PartitionKey { get; set; } = Partition;
    public string RowKey { get; set; } = "";
    public DateTimeOffset? Timestamp { get; set; }
    public ETag ETag { get; set; }
    public string Url { get; set; } = "";
    public string Username { get; set; } = "";
    public string ProtectedPassword { get; set; } = "";
    public bool VerifySsl { get; set; } = true;
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A registry config as clients see it: never the password, only whether one is stored.</summary>
public sealed record RegistryConfigView(string Name, string Url, string Username, bool VerifySsl, bool HasPassword, string CreatedAt, string UpdatedAt)
{
    public static RegistryConfigView From(RegistryConfigEntity e) => new(e.RowKey, e.Url, e.Username, e.VerifySsl,
        e.ProtectedPassword.Length > 0, FleetTime.Format(e.CreatedAt), FleetTime.Format(e.UpdatedAt));
}

/// <summary>
/// Where to push and as whom, resolved in memory from a config or a credential reference. Never serialized:
/// orchestrations carry a <see cref="RegistryRef"/> instead.
/// </summary>
public sealed record RegistryTarget(Uri BaseUri, string? Username, string? Password, bool VerifySsl)
{
    /// <summary>host[:port] as image references name the registry.</summary>
    public string Host => BaseUri.IsDefaultPort ? BaseUri.Host : $"{BaseUri.Host}:{BaseUri.Port}";

    public override string ToString() => BaseUri.ToString();

    /// <summary>Parses <c>https://host[:port]</c>, <c>http://host:port</c> or a bare <c>host[:port]</c> (https then).</summary>
    public static Uri? ParseUrl(string? url)
    {
        if (string.IsNullOrWhiteSpace(url) || url.Length > 2048) return null;
        var text = url.Contains("://", StringComparison.Ordinal) ? url : "https://" + url;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host) || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.UserInfo))
            return null;
        return new Uri(uri.GetLeftPart(UriPartial.Authority) + "/");
    }
}

/// <summary>How an orchestration names its registry without holding a secret: a config's name or a credential reference's id.</summary>
public sealed record RegistryRef(string Kind, string Id)
{
    public const string ConfigKind = "config";
    public const string CredentialKind = "credential";
    public static RegistryRef Config(string name) => new(ConfigKind, name);
    public static RegistryRef Credential(string id) => new(CredentialKind, id);
}
