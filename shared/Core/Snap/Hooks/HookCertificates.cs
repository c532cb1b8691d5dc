using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Fleet.Core.Snap.Hooks;

/// <summary>The PEM texts of a hook's Secret. <see cref="KeyPem"/> goes to the cluster only.</summary>
public sealed record HookCertificateSet(string CaPem, string CertificatePem, string KeyPem, DateTimeOffset NotAfter);

/// <summary>
/// A hook's own CA and the serving certificate it signs, as cert-manager or kubeadm make them: the CA with
/// basicConstraints CA=true and keyCertSign; the serving certificate for the webhook's host (SAN DNS or IP) with the
/// serverAuth EKU, both valid for the requested days. ECDSA P-256. The CA key signs once and is dropped.
/// </summary>
public static class HookCertificates
{
    public static HookCertificateSet Create(string hookName, string host, int days, DateTimeOffset? now = null)
    {
        var notBefore = (now ?? DateTimeOffset.UtcNow).AddMinutes(-5);
        var notAfter = notBefore.AddMinutes(5).AddDays(days);
        notAfter = new DateTimeOffset(notAfter.Year, notAfter.Month, notAfter.Day, notAfter.Hour, notAfter.Minute, notAfter.Second, TimeSpan.Zero);

        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest(new X500DistinguishedName($"CN={hookName}-ca, O=Fleet SNAP"), caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(notBefore, notAfter);

        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(new X500DistinguishedName($"CN={host}"), key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        var san = new SubjectAlternativeNameBuilder();
        if (IPAddress.TryParse(host.Trim('[', ']'), out var ip)) san.AddIpAddress(ip);
        else san.AddDnsName(host);
        request.CertificateExtensions.Add(san.Build(false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(ca, true, false));
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] = (byte)((serial[0] & 0x7F) | 0x01); // a positive 128-bit serial (RFC 5280)
        using var leaf = request.Create(ca, notBefore, notAfter, serial);

        return new HookCertificateSet(ca.ExportCertificatePem() + "\n", leaf.ExportCertificatePem() + "\n", key.ExportPkcs8PrivateKeyPem() + "\n", notAfter);
    }
}
