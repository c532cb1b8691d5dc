using k8s;
using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;

namespace Fleet.Core.KubeEdge;

/// <summary>CloudCore's CA as KubeEdge stores it: certificate DER in <c>cadata</c>, EC private key DER (SEC1) in <c>cakeydata</c>.</summary>
public sealed record CaMaterial(byte[] CertificateDer, byte[] KeyDer)
{
    /// <summary>What keadm checks before trusting CloudCore: lowercase hex of sha256 over the CA certificate DER.</summary>
    public string Hash => Convert.ToHexString(SHA256.HashData(CertificateDer)).ToLowerInvariant();
}

/// <summary>
/// Reads Secret <c>kubeedge/casecret</c>, creating it with a new self-signed ECDSA P-256 CA (what cloudcore does on first start)
/// when absent. Cached per cluster: the CA only changes if someone replaces the Secret, and then cloudcore must restart too.
/// </summary>
public sealed class CertificateAuthority(KubeEdgeScope scope)
{
    public const string SecretName = "casecret";
    private readonly ConcurrentDictionary<string, Lazy<Task<CaMaterial>>> _cache = new();

    public async Task<CaMaterial> GetAsync(string clusterId, CancellationToken ct)
    {
        var lazy = _cache.GetOrAdd(clusterId, id => new Lazy<Task<CaMaterial>>(() => LoadOrCreateAsync(id, CancellationToken.None)));
        try { return await lazy.Value.WaitAsync(ct); }
        catch when (!ct.IsCancellationRequested)
        {
            _cache.TryRemove(new KeyValuePair<string, Lazy<Task<CaMaterial>>>(clusterId, lazy));
            throw;
        }
    }

    private Task<CaMaterial> LoadOrCreateAsync(string clusterId, CancellationToken ct) => scope.ExecuteAsync(clusterId, async (k, t) =>
    {
        if (await ReadAsync(k, t) is { } existing) return existing;
        try { await k.CoreV1.CreateNamespaceAsync(new V1Namespace { Metadata = new() { Name = CloudCoreDeployer.Namespace } }, cancellationToken: t); }
        catch (Exception e) when (KubeEdgeScope.IsStatus(e, 409)) { }
        var ca = NewCa();
        try
        {
            await k.CoreV1.CreateNamespacedSecretAsync(new V1Secret
            {
                Metadata = new() { Name = SecretName, NamespaceProperty = CloudCoreDeployer.Namespace },
                Type = "Opaque",
                Data = new Dictionary<string, byte[]> { ["cadata"] = ca.CertificateDer, ["cakeydata"] = ca.KeyDer },
            }, CloudCoreDeployer.Namespace, cancellationToken: t);
            return ca;
        }
        catch (Exception e) when (KubeEdgeScope.IsStatus(e, 409))
        {
            // Another host created it first: theirs wins, so every token is signed by the one CA.
            return await ReadAsync(k, t) ?? throw new InvalidOperationException("casecret vanished after a create conflict");
        }
    }, ct);

    private static async Task<CaMaterial?> ReadAsync(k8s.IKubernetes k, CancellationToken t)
    {
        try
        {
            var s = await k.CoreV1.ReadNamespacedSecretAsync(SecretName, CloudCoreDeployer.Namespace, cancellationToken: t);
            return s.Data is not null && s.Data.TryGetValue("cadata", out var cert) && s.Data.TryGetValue("cakeydata", out var key)
                ? new CaMaterial(cert, key) : null;
        }
        catch (Exception e) when (KubeEdgeScope.IsStatus(e, 404)) { return null; }
    }

    public static CaMaterial NewCa()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var req = new CertificateRequest("CN=KubeEdge", key, HashAlgorithmName.SHA256);
        req.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        req.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        var now = DateTimeOffset.UtcNow;
        // KubeEdge's own CA lives 100 years.
        using var cert = req.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(100));
        return new CaMaterial(cert.RawData, key.ExportECPrivateKey());
    }
}
