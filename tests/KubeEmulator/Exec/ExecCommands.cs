using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Exec;

public sealed record ExecResult(byte[] Stdout, byte[] Stderr, int ExitCode, string? StartError = null);

/// <summary>
/// The small command set containers "have": echo, cat, sha256sum, base64, ls, hostname, pwd, env, printenv, whoami, date,
/// true, false, sleep, plus <c>sh -c "..."</c> running one of those (and <c>exit n</c>).
/// </summary>
public static class ExecCommands
{
    private static readonly string[] Shells = ["sh", "/bin/sh", "bash", "/bin/bash"];

    public static ExecResult Run(string[] argv, JsonObject pod, string container, Func<Dictionary<string, byte[]>> files)
    {
        if (argv.Length >= 3 && Shells.Contains(argv[0]) && argv[1] == "-c")
        {
            // Commands joined with && or ; run in turn, as a shell would.
            var stdout = new MemoryStream(); var stderr = new MemoryStream();
            var code = 0;
            foreach (var (part, sep) in SplitShell(argv[2]))
            {
                var words = Tokenize(part);
                if (words.Count == 0) continue;
                if (words[0] == "exit") return new ExecResult(stdout.ToArray(), stderr.ToArray(), words.Count > 1 && int.TryParse(words[1], out var e) ? e : code);
                var r = RunOne(words.ToArray(), pod, container, files, inShell: true);
                stdout.Write(r.Stdout); stderr.Write(r.Stderr);
                code = r.ExitCode;
                if (code != 0 && sep == "&&") break;
            }
            return new ExecResult(stdout.ToArray(), stderr.ToArray(), code);
        }
        return RunOne(argv, pod, container, files, inShell: false);
    }

    private static ExecResult RunOne(string[] argv, JsonObject pod, string container, Func<Dictionary<string, byte[]>> files, bool inShell)
    {
        var name = Path.GetFileName(argv[0]);
        var args = argv.Skip(1).ToArray();
        switch (name)
        {
            case "echo":
            {
                var newline = args.FirstOrDefault() != "-n";
                var text = string.Join(' ', newline ? args : args.Skip(1));
                return Ok(newline ? text + "\n" : text);
            }
            case "cat": return Cat(args, files());
            case "sha256sum": return Sha256Sum(args, files());
            case "base64": return Base64(args, files());
            case "ls": return Ls(args, files());
            case "hostname": return Ok(Json.Name(pod) + "\n");
            case "pwd": return Ok("/\n");
            case "whoami": return Ok("root\n");
            case "date": return Ok(DateTime.UtcNow.ToString("ddd MMM d HH:mm:ss 'UTC' yyyy") + "\n");
            case "true" or "sleep": return Ok("");
            case "false": return new ExecResult([], [], 1);
            case "env" or "printenv": return Ok(Env(pod, container, args));
        }
        var message = $"exec: \"{argv[0]}\": executable file not found in $PATH";
        return inShell
            ? new ExecResult([], Encoding.UTF8.GetBytes($"sh: {argv[0]}: not found\n"), 127)
            : new ExecResult([], [], 126, $"OCI runtime exec failed: exec failed: unable to start container process: {message}: unknown");
    }

    private static ExecResult Ok(string stdout) => new(Encoding.UTF8.GetBytes(stdout), [], 0);

    private static ExecResult Cat(string[] args, Dictionary<string, byte[]> files)
    {
        var stdout = new MemoryStream();
        var stderr = new StringBuilder();
        var code = 0;
        foreach (var arg in args.Where(a => !a.StartsWith('-')))
        {
            var path = Normalize(arg);
            if (files.TryGetValue(path, out var bytes)) stdout.Write(bytes);
            else if (files.Keys.Any(k => k.StartsWith(path + "/", StringComparison.Ordinal)))
            {
                stderr.Append($"cat: {arg}: Is a directory\n"); code = 1;
            }
            else
            {
                stderr.Append($"cat: can't open '{arg}': No such file or directory\n"); code = 1;
            }
        }
        return new ExecResult(stdout.ToArray(), Encoding.UTF8.GetBytes(stderr.ToString()), code);
    }

    /// <summary>busybox <c>sha256sum FILE...</c>: "hash  name" per file.</summary>
    private static ExecResult Sha256Sum(string[] args, Dictionary<string, byte[]> files)
    {
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var code = 0;
        foreach (var arg in args.Where(a => !a.StartsWith('-')))
        {
            if (files.TryGetValue(Normalize(arg), out var bytes))
                stdout.Append(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes))).Append("  ").Append(arg).Append('\n');
            else
            {
                stderr.Append($"sha256sum: can't open '{arg}': No such file or directory\n"); code = 1;
            }
        }
        return new ExecResult(Encoding.UTF8.GetBytes(stdout.ToString()), Encoding.UTF8.GetBytes(stderr.ToString()), code);
    }

    /// <summary>busybox <c>base64 FILE</c> (76-column lines), or <c>base64 -d FILE</c>.</summary>
    private static ExecResult Base64(string[] args, Dictionary<string, byte[]> files)
    {
        var decode = args.Any(a => a is "-d" or "--decode");
        var arg = args.FirstOrDefault(a => !a.StartsWith('-'));
        if (arg is null || !files.TryGetValue(Normalize(arg), out var bytes))
            return new ExecResult([], Encoding.UTF8.GetBytes($"base64: can't open '{arg}': No such file or directory\n"), 1);
        if (decode)
        {
            try { return new ExecResult(Convert.FromBase64String(Encoding.ASCII.GetString(bytes)), [], 0); }
            catch (FormatException) { return new ExecResult([], Encoding.UTF8.GetBytes("base64: invalid input\n"), 1); }
        }
        var text = Convert.ToBase64String(bytes);
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i += 76) sb.Append(text, i, Math.Min(76, text.Length - i)).Append('\n');
        return Ok(sb.ToString());
    }

    private static ExecResult Ls(string[] args, Dictionary<string, byte[]> files)
    {
        var longFormat = args.Any(a => a.StartsWith('-') && a.Contains('l'));
        var targets = args.Where(a => !a.StartsWith('-')).DefaultIfEmpty("/").ToList();
        var stdout = new StringBuilder();
        var stderr = new StringBuilder();
        var code = 0;
        foreach (var arg in targets)
        {
            var path = Normalize(arg);
            if (files.TryGetValue(path, out var file))
            {
                stdout.Append(longFormat ? LongLine(Path.GetFileName(path) == "" ? arg : arg, file.Length) : arg).Append('\n');
                continue;
            }
            var prefix = path == "/" ? "/" : path + "/";
            var entries = files
                .Where(kv => kv.Key.StartsWith(prefix, StringComparison.Ordinal))
                .GroupBy(kv => kv.Key[prefix.Length..].Split('/')[0])
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToList();
            if (entries.Count == 0 && path != "/")
            {
                stderr.Append($"ls: {arg}: No such file or directory\n"); code = 1;
                continue;
            }
            if (targets.Count > 1) stdout.Append(arg).Append(":\n");
            foreach (var g in entries)
            {
                var isFile = g.Count() == 1 && g.First().Key == prefix + g.Key;
                stdout.Append(longFormat
                    ? isFile ? LongLine(g.Key, g.First().Value.Length) : $"drwxr-xr-x    2 root     root          4096 Jan  1 00:00 {g.Key}"
                    : g.Key).Append('\n');
            }
        }
        return new ExecResult(Encoding.UTF8.GetBytes(stdout.ToString()), Encoding.UTF8.GetBytes(stderr.ToString()), code);
    }

    private static string LongLine(string name, int size) => $"-rw-r--r--    1 root     root     {size,9} Jan  1 00:00 {name}";

    private static string Env(JsonObject pod, string container, string[] args)
    {
        var env = new List<(string, string)>
        {
            ("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"),
            ("HOSTNAME", Json.Name(pod)),
            ("KUBERNETES_SERVICE_HOST", "10.96.0.1"), ("KUBERNETES_SERVICE_PORT", "443"),
        };
        var c = Json.Objects(Json.At(pod, "spec", "containers")).FirstOrDefault(x => Json.Str(x, "name") == container);
        foreach (var e in Json.Objects(c?["env"]))
            env.Add((Json.Str(e, "name") ?? "", Json.Str(e, "value") ?? ""));
        env.Add(("HOME", "/root"));
        if (args.Length > 0)
            return string.Concat(args.Select(a => env.LastOrDefault(e => e.Item1 == a) is { Item1: not null } hit ? hit.Item2 + "\n" : ""));
        return string.Concat(env.Select(e => $"{e.Item1}={e.Item2}\n"));
    }

    private static string Normalize(string path)
    {
        var parts = new List<string>();
        foreach (var p in path.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (p == ".") continue;
            if (p == "..") { if (parts.Count > 0) parts.RemoveAt(parts.Count - 1); continue; }
            parts.Add(p);
        }
        return "/" + string.Join('/', parts);
    }

    private static IEnumerable<(string Part, string Sep)> SplitShell(string script)
    {
        var start = 0;
        var quote = '\0';
        for (var i = 0; i < script.Length; i++)
        {
            var ch = script[i];
            if (quote != '\0') { if (ch == quote) quote = '\0'; continue; }
            if (ch is '\'' or '"') { quote = ch; continue; }
            if (ch == ';') { yield return (script[start..i], ";"); start = i + 1; }
            else if (ch == '&' && i + 1 < script.Length && script[i + 1] == '&') { yield return (script[start..i], "&&"); start = i + 2; i++; }
        }
        yield return (script[start..], "");
    }

    private static List<string> Tokenize(string text)
    {
        var words = new List<string>();
        var sb = new StringBuilder();
        var quote = '\0';
        var inWord = false;
        foreach (var ch in text)
        {
            if (quote != '\0')
            {
                if (ch == quote) quote = '\0'; else sb.Append(ch);
                continue;
            }
            if (ch is '\'' or '"') { quote = ch; inWord = true; continue; }
            if (char.IsWhiteSpace(ch))
            {
                if (inWord) { words.Add(sb.ToString()); sb.Clear(); inWord = false; }
                continue;
            }
            sb.Append(ch); inWord = true;
        }
        if (inWord) words.Add(sb.ToString());
        return words;
    }
}
