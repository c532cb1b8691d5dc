using System.Text;
using System.Text.RegularExpressions;

namespace Fleet.Core.Snap;

public sealed record SecretFinding(string Kind, int Pid, string Redacted);

public sealed record EnvVarFinding(int Pid, string Name, string Value, bool Redacted);

public sealed record ProcessScan(int Pid, string? Comm, long BytesScanned, int StringCount, int EnvVarCount, int SecretCount);

public sealed record VolatilityReport(
    long BytesScanned,
    bool Truncated,
    int StringCount,
    IReadOnlyList<string> Strings,
    int EnvVarCount,
    IReadOnlyList<EnvVarFinding> EnvVars,
    int SecretCount,
    IReadOnlyList<SecretFinding> Secrets,
    IReadOnlyList<ProcessScan> Processes);

/// <summary>
/// The <c>volatility</c> analysis: a scan of the dumped memory pages, as checkpoint forensics tools do (strings over the
/// pages, environment variables, credential-looking values). Findings are counts and samples; a secret-looking value is
/// never returned, only its kind and a redacted sample (its first two characters when long, and its length).
/// </summary>
public static partial class MemoryScanner
{
    public const int MinStringLength = 6;
    public const int MaxSamples = 200;
    private const int MaxStringLength = 200;

    public sealed class Accumulator
    {
        internal readonly HashSet<string> Strings = new(StringComparer.Ordinal);
        internal readonly List<EnvVarFinding> Env = [];
        internal readonly HashSet<(int, string, string)> EnvSeen = [];
        internal readonly List<SecretFinding> Secrets = [];
        internal readonly HashSet<(string, string)> SecretSeen = [];
        internal readonly List<ProcessScan> Processes = [];
        internal int StringCount;
        internal long Bytes;
        public long BytesScanned => Bytes;
        internal bool Truncated;
    }

    /// <summary>Scans one process's dumped pages (read to the end, at most <paramref name="budget"/> bytes).</summary>
    public static async Task ScanProcessAsync(Accumulator acc, int pid, string? comm, Stream pages, long budget, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        var current = new StringBuilder();
        long bytes = 0;
        int strings = 0, env = acc.Env.Count, secrets = acc.Secrets.Count;
        int n;
        while ((n = await pages.ReadAsync(buffer, ct)) > 0)
        {
            if (bytes + n > budget)
            {
                n = (int)Math.Max(0, budget - bytes);
                acc.Truncated = true;
            }
            for (var i = 0; i < n; i++)
            {
                var b = buffer[i];
                if (b is >= 0x20 and < 0x7f or (byte)'\t')
                {
                    if (current.Length < 4096) current.Append((char)b);
                    continue;
                }
                if (current.Length >= MinStringLength) { strings++; Found(acc, pid, current.ToString()); }
                current.Clear();
            }
            bytes += n;
            if (acc.Truncated) break;
        }
        if (current.Length >= MinStringLength) { strings++; Found(acc, pid, current.ToString()); }
        acc.StringCount += strings;
        acc.Bytes += bytes;
        acc.Processes.Add(new ProcessScan(pid, comm, bytes, strings, acc.Env.Count - env, acc.Secrets.Count - secrets));
    }

    /// <summary>An environment block read from the process's own env area (mm_env_start..mm_env_end): NUL-separated NAME=value.</summary>
    public static void AddEnvironment(Accumulator acc, int pid, byte[] block)
    {
        foreach (var entry in Encoding.UTF8.GetString(block).Split('\0', StringSplitOptions.RemoveEmptyEntries))
            AddEnv(acc, pid, Redact(acc, pid, entry));
    }

    public static VolatilityReport Report(Accumulator acc) => new(acc.Bytes, acc.Truncated, acc.StringCount,
        acc.Strings.OrderByDescending(s => s.Length).ThenBy(s => s, StringComparer.Ordinal).Take(MaxSamples).ToList(),
        acc.Env.Count, acc.Env.Take(MaxSamples).ToList(), acc.Secrets.Count, acc.Secrets.Take(MaxSamples).ToList(), acc.Processes);

    private static void Found(Accumulator acc, int pid, string s)
    {
        var redacted = Redact(acc, pid, s);
        if (EnvPattern().IsMatch(s)) AddEnv(acc, pid, redacted);
        if (acc.Strings.Count < 10_000) acc.Strings.Add(redacted.Length > MaxStringLength ? redacted[..MaxStringLength] + "…" : redacted);
    }

    /// <summary>An env entry whose secret-looking parts <see cref="Redact"/> already masked (and counted).</summary>
    private static void AddEnv(Accumulator acc, int pid, string entry)
    {
        var eq = entry.IndexOf('=');
        if (eq <= 0 || !EnvName().IsMatch(entry[..eq])) return;
        var name = entry[..eq];
        var value = entry[(eq + 1)..];
        var secret = value.Contains(Marker, StringComparison.Ordinal);
        if (!secret && SecretName().IsMatch(name) && value.Length > 0)
        {
            AddSecret(acc, pid, "environment variable " + name, value);
            value = Mask(value);
            secret = true;
        }
        var shown = !secret && value.Length > MaxStringLength ? value[..MaxStringLength] + "…" : value;
        if (acc.EnvSeen.Add((pid, name, shown))) acc.Env.Add(new EnvVarFinding(pid, name, shown, secret));
    }

    /// <summary>The string with every secret-looking value masked; each distinct one is counted once per kind.</summary>
    private static string Redact(Accumulator acc, int pid, string s)
    {
        var eq = s.IndexOf('=');
        if (eq > 0 && eq + 1 < s.Length && EnvName().IsMatch(s[..eq]) && SecretName().IsMatch(s[..eq]))
        {
            AddSecret(acc, pid, "environment variable " + s[..eq], s[(eq + 1)..]);
            return s[..(eq + 1)] + Mask(s[(eq + 1)..]);
        }
        s = Assignment().Replace(s, m =>
        {
            AddSecret(acc, pid, "credential assignment " + m.Groups["key"].Value, m.Groups["value"].Value);
            return m.Groups["key"].Value + m.Groups["sep"].Value + Mask(m.Groups["value"].Value);
        });
        return SecretValue().Replace(s, m =>
        {
            AddSecret(acc, pid, Kind(m.Value), m.Value);
            return Mask(m.Value);
        });
    }

    private static void AddSecret(Accumulator acc, int pid, string kind, string value)
    {
        if (acc.SecretSeen.Add((kind, value))) acc.Secrets.Add(new SecretFinding(kind, pid, Mask(value)));
    }

    private static string Kind(string value) => value switch
    {
        _ when value.StartsWith("AKIA", StringComparison.Ordinal) => "AWS access key id",
        _ when value.StartsWith("eyJ", StringComparison.Ordinal) => "JSON web token",
        _ when value.StartsWith("-----BEGIN", StringComparison.Ordinal) => "private key",
        _ when value.StartsWith("gh", StringComparison.Ordinal) => "GitHub token",
        _ => "bearer token",
    };

    /// <summary>"ab…[redacted, 24 chars]": never more than two characters of a value, none of a short one.</summary>
    public static string Mask(string value) =>
        value.Length >= 12 ? $"{value[..2]}{Marker}{value.Length} chars]" : $"{Marker}{value.Length} chars]";

    private const string Marker = "…[redacted, ";

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,127}=.*$")]
    private static partial Regex EnvPattern();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_]{0,127}$")]
    private static partial Regex EnvName();

    [GeneratedRegex(@"(?i)(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL|AUTH)")]
    private static partial Regex SecretName();

    [GeneratedRegex(@"(?i)(?<key>[A-Za-z0-9_.-]*(password|passwd|passphrase|secret|token|api_?key|access_?key|private_?key|credential)[A-Za-z0-9_.-]*)(?<sep>\s*[=:]\s*)(?<value>[^\s'"",;&]{1,})")]
    private static partial Regex Assignment();

    [GeneratedRegex(@"AKIA[0-9A-Z]{16}|eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}|gh[pousr]_[A-Za-z0-9]{30,}|-----BEGIN [A-Z ]*PRIVATE KEY-----|(?i:bearer)\s+[A-Za-z0-9._~+/-]{16,}")]
    private static partial Regex SecretValue();
}
