using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Snap;

/// <summary>A blob as the distribution API names it.</summary>
public sealed record OciDescriptor(string MediaType, string Digest, long Size);

public sealed record BlobPushResult(bool Skipped, long BytesSent, long Size);

/// <summary>The two HTTP clients registries are reached with: one verifying TLS certificates, one not (<c>verify_ssl: false</c>).</summary>
public sealed class OciHttp : IDisposable
{
    private readonly HttpClient _verify = new(new SocketsHttpHandler { AllowAutoRedirect = true, ConnectTimeout = TimeSpan.FromSeconds(10) })
        { Timeout = TimeSpan.FromMinutes(2) };
    private readonly HttpClient _noVerify = new(new SocketsHttpHandler
    {
        AllowAutoRedirect = true, ConnectTimeout = TimeSpan.FromSeconds(10),
        SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
    }) { Timeout = TimeSpan.FromMinutes(2) };

    public HttpClient For(bool verifySsl) => verifySsl ? _verify : _noVerify;

    public OciRegistryClient Client(RegistryTarget target) => new(target, For(target.VerifySsl));

    public void Dispose()
    {
        _verify.Dispose();
        _noVerify.Dispose();
    }
}

/// <summary>
/// The OCI distribution API over HttpClient: <c>/v2/</c> checks, blob HEAD, chunked and resumable blob uploads (POST, PATCH with
/// Content-Range, PUT <c>?digest=</c>), manifest PUT and GET. Authenticates as the registry's <c>Www-Authenticate</c> asks:
/// Basic with the credentials, or Bearer with a token fetched from the challenge's realm. Registry errors become SNAP's codes:
/// refused credentials → AUTHENTICATION_FAILED, no answer → REGISTRY_CONNECTION_FAILED.
/// </summary>
public sealed partial class OciRegistryClient(RegistryTarget target, HttpClient http)
{
    public const string ManifestMediaType = "application/vnd.oci.image.manifest.v1+json";
    private AuthenticationHeaderValue? _auth;
    private string? _authScope;

    public RegistryTarget Target => target;

    /// <summary>GET <c>/v2/</c> with the credentials: returns when the registry accepts them.</summary>
    public async Task CheckAsync(CancellationToken ct)
    {
        using var r = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, Url("v2/")), "", ct);
        if (!r.IsSuccessStatusCode) throw Unexpected(r, "GET /v2/");
    }

    public async Task<bool> BlobExistsAsync(string repo, string digest, CancellationToken ct)
    {
        using var r = await SendAsync(() => new HttpRequestMessage(HttpMethod.Head, Url($"v2/{repo}/blobs/{digest}")), Scope(repo), ct);
        if (r.StatusCode == HttpStatusCode.NotFound) return false;
        if (!r.IsSuccessStatusCode) throw Unexpected(r, "HEAD blob");
        return true;
    }

    /// <summary>
    /// Uploads a blob in chunks of <paramref name="chunkSize"/> unless the registry has it already. <paramref name="resumeLocation"/>
    /// is an upload an earlier attempt left (what <paramref name="onLocation"/> was last told): its <c>Range</c> says where to go on.
    /// <paramref name="onProgress"/> gets the bytes the registry holds after each chunk.
    /// </summary>
    public async Task<BlobPushResult> PushBlobAsync(string repo, OciDescriptor blob, Func<Stream> open, int chunkSize,
        string? resumeLocation, Func<string?, Task> onLocation, Action<long>? onProgress, CancellationToken ct)
    {
        if (await BlobExistsAsync(repo, blob.Digest, ct))
        {
            await onLocation(null);
            onProgress?.Invoke(blob.Size);
            return new BlobPushResult(true, 0, blob.Size);
        }
        long offset = 0;
        string? location = null;
        if (resumeLocation is not null && await UploadOffsetAsync(resumeLocation, repo, ct) is { } resumed)
            (location, offset) = resumed;
        if (location is null)
        {
            using var started = await SendAsync(() => new HttpRequestMessage(HttpMethod.Post, Url($"v2/{repo}/blobs/uploads/")), Scope(repo), ct);
            if (started.StatusCode != HttpStatusCode.Accepted) throw Unexpected(started, "POST blob upload");
            location = Resolve(started.Headers.Location);
            await onLocation(location);
        }
        long sent = 0;
        await using var stream = open();
        stream.Seek(offset, SeekOrigin.Begin);
        var buffer = new byte[Math.Max(1, (int)Math.Min(chunkSize, Math.Max(1, blob.Size - offset)))];
        while (offset < blob.Size)
        {
            var n = await ReadFullAsync(stream, buffer, ct);
            if (n == 0) throw new IOException($"the blob ended at {offset} of {blob.Size} bytes");
            var start = offset;
            var chunk = new ReadOnlyMemory<byte>(buffer, 0, n).ToArray();
            var at = location;
            using var r = await SendAsync(() =>
            {
                var m = new HttpRequestMessage(HttpMethod.Patch, at) { Content = new ByteArrayContent(chunk) };
                m.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
                m.Content.Headers.TryAddWithoutValidation("Content-Range", $"{start}-{start + n - 1}");
                return m;
            }, Scope(repo), ct);
            if (r.StatusCode != HttpStatusCode.Accepted) throw Unexpected(r, "PATCH blob chunk");
            location = Resolve(r.Headers.Location) ?? location;
            offset = RangeEnd(r) is { } end ? end + 1 : start + n;
            sent += n;
            await onLocation(location);
            onProgress?.Invoke(offset);
        }
        var done = location + (location!.Contains('?') ? "&" : "?") + "digest=" + Uri.EscapeDataString(blob.Digest);
        using (var put = await SendAsync(() => new HttpRequestMessage(HttpMethod.Put, done) { Content = new ByteArrayContent([]) }, Scope(repo), ct))
            if (put.StatusCode != HttpStatusCode.Created) throw Unexpected(put, "PUT blob");
        await onLocation(null);
        return new BlobPushResult(false, sent, blob.Size);
    }

    /// <summary>Where an earlier upload stands (GET on its location → 204 with <c>Range: 0-N</c>), or null when the registry dropped it.</summary>
    public async Task<(string Location, long Offset)?> UploadOffsetAsync(string location, string repo, CancellationToken ct)
    {
        using var r = await SendAsync(() => new HttpRequestMessage(HttpMethod.Get, location), Scope(repo), ct);
        if (r.StatusCode != HttpStatusCode.NoContent) return null;
        return (Resolve(r.Headers.Location) ?? location, RangeEnd(r) is { } end ? end + 1 : 0);
    }

    /// <summary>Abandons an upload (best effort): what is left of a failed push is nothing a manifest references.</summary>
    public async Task CancelUploadAsync(string location, string repo, CancellationToken ct)
    {
        try
        {
            using var r = await SendAsync(() => new HttpRequestMessage(HttpMethod.Delete, location), Scope(repo), ct);
        }
        catch (FleetException)
        {
        }
    }

    /// <summary>PUT the manifest under <paramref name="reference"/>; returns its digest as the registry computed it.</summary>
    public async Task<string> PutManifestAsync(string repo, string reference, byte[] manifest, CancellationToken ct)
    {
        using var r = await SendAsync(() =>
        {
            var m = new HttpRequestMessage(HttpMethod.Put, Url($"v2/{repo}/manifests/{reference}")) { Content = new ByteArrayContent(manifest) };
            m.Content.Headers.ContentType = new MediaTypeHeaderValue(ManifestMediaType);
            return m;
        }, Scope(repo), ct);
        if (r.StatusCode != HttpStatusCode.Created) throw Unexpected(r, "PUT manifest");
        return r.Headers.TryGetValues("Docker-Content-Digest", out var d) ? d.First() : Digest(manifest);
    }

    /// <summary>The manifest under a tag or digest, or null.</summary>
    public async Task<byte[]?> GetManifestAsync(string repo, string reference, CancellationToken ct)
    {
        using var r = await SendAsync(() =>
        {
            var m = new HttpRequestMessage(HttpMethod.Get, Url($"v2/{repo}/manifests/{reference}"));
            m.Headers.Accept.ParseAdd(ManifestMediaType);
            return m;
        }, Scope(repo), ct);
        if (r.StatusCode == HttpStatusCode.NotFound) return null;
        if (!r.IsSuccessStatusCode) throw Unexpected(r, "GET manifest");
        return await r.Content.ReadAsByteArrayAsync(ct);
    }

    public static string Digest(ReadOnlySpan<byte> bytes) => "sha256:" + Convert.ToHexString(SHA256.HashData(bytes)).ToLowerInvariant();

    private static string Scope(string repo) => $"repository:{repo}:pull,push";

    private string Url(string path) => new Uri(target.BaseUri, path).ToString();

    private string? Resolve(Uri? location) => location is null ? null : new Uri(target.BaseUri, location).ToString();

    private static long? RangeEnd(HttpResponseMessage r) =>
        r.Headers.TryGetValues("Range", out var v) && v.FirstOrDefault() is { } range && range.Split('-') is [_, var end] && long.TryParse(end, out var e)
            ? e : null;

    private static async Task<int> ReadFullAsync(Stream s, byte[] buffer, CancellationToken ct)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var n = await s.ReadAsync(buffer.AsMemory(total), ct);
            if (n == 0) break;
            total += n;
        }
        return total;
    }

    /// <summary>Sends with the current authorization; on a 401 answers the challenge once and sends again.</summary>
    private async Task<HttpResponseMessage> SendAsync(Func<HttpRequestMessage> make, string scope, CancellationToken ct)
    {
        if (_auth?.Scheme == "Bearer" && _authScope != scope && scope.Length > 0) _auth = null;
        var r = await SendRawAsync(make(), ct);
        if (r.StatusCode != HttpStatusCode.Unauthorized) return r;
        var challenge = r.Headers.WwwAuthenticate.FirstOrDefault();
        r.Dispose();
        if (challenge is null || !await AnswerAsync(challenge, scope, ct)) throw SnapCodes.RegistryAuthFailed(target.Host);
        r = await SendRawAsync(make(), ct);
        if (r.StatusCode == HttpStatusCode.Unauthorized)
        {
            r.Dispose();
            throw SnapCodes.RegistryAuthFailed(target.Host);
        }
        return r;
    }

    private async Task<HttpResponseMessage> SendRawAsync(HttpRequestMessage m, CancellationToken ct)
    {
        using (m)
        {
            m.Headers.Authorization = _auth;
            try
            {
                return await http.SendAsync(m, HttpCompletionOption.ResponseContentRead, ct);
            }
            catch (HttpRequestException e)
            {
                throw SnapCodes.RegistryUnreachable(target.Host, e.HttpRequestError == HttpRequestError.SecureConnectionError
                    ? "TLS failed (is verify_ssl right?)" : "no connection");
            }
            catch (TaskCanceledException) when (!ct.IsCancellationRequested)
            {
                throw SnapCodes.RegistryUnreachable(target.Host, "timed out");
            }
        }
    }

    /// <summary>Basic: send the credentials (once; a second 401 means they are wrong). Bearer: fetch a token from the realm.</summary>
    private async Task<bool> AnswerAsync(AuthenticationHeaderValue challenge, string scope, CancellationToken ct)
    {
        if (target.Username is null) return false;
        var basic = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{target.Username}:{target.Password}")));
        if (challenge.Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase))
        {
            if (_auth?.Scheme == "Basic") return false;
            _auth = basic;
            return true;
        }
        if (!challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)) return false;
        var p = ChallengeParameter().Matches(challenge.Parameter ?? "").ToDictionary(m => m.Groups[1].Value.ToLowerInvariant(), m => m.Groups[2].Value);
        if (!p.TryGetValue("realm", out var realm) || !Uri.TryCreate(realm, UriKind.Absolute, out var realmUri)) return false;
        var query = new List<string>();
        if (p.TryGetValue("service", out var service)) query.Add("service=" + Uri.EscapeDataString(service));
        var wanted = p.TryGetValue("scope", out var s) ? s : scope;
        if (wanted.Length > 0) query.Add("scope=" + Uri.EscapeDataString(wanted));
        var url = realmUri + (query.Count == 0 ? "" : (realmUri.Query.Length > 0 ? "&" : "?") + string.Join('&', query));
        using var m = new HttpRequestMessage(HttpMethod.Get, url);
        m.Headers.Authorization = basic;
        HttpResponseMessage r;
        try
        {
            r = await http.SendAsync(m, ct);
        }
        catch (HttpRequestException)
        {
            throw SnapCodes.RegistryUnreachable(realmUri.Authority, "the token service does not answer");
        }
        using (r)
        {
            if (r.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden) return false;
            if (!r.IsSuccessStatusCode) throw Unexpected(r, "token request");
            using var doc = JsonDocument.Parse(await r.Content.ReadAsStreamAsync(ct));
            var token = doc.RootElement.TryGetProperty("token", out var t) ? t.GetString()
                : doc.RootElement.TryGetProperty("access_token", out var a) ? a.GetString() : null;
            if (string.IsNullOrEmpty(token)) return false;
            _auth = new AuthenticationHeaderValue("Bearer", token);
            _authScope = scope;
            return true;
        }
    }

    private FleetException Unexpected(HttpResponseMessage r, string what)
    {
        if (r.StatusCode == HttpStatusCode.Forbidden)
            return new FleetException(FleetErrorKind.Forbidden, $"The registry {target.Host} refused {what} for these credentials",
                code: "PERMISSION_DENIED");
        return SnapCodes.RegistryUnreachable(target.Host, $"{what} answered {(int)r.StatusCode}");
    }

    [GeneratedRegex("([A-Za-z_]+)=\"([^\"]*)\"")]
    private static partial Regex ChallengeParameter();
}
