using System.Text;
using Fleet.Core.Platform.Errors;

namespace Fleet.Core.Kubilitics.Shell;

/// <summary>A kubectl command line parsed into arguments and checked against the allow-list.</summary>
public sealed record KubectlCommand(IReadOnlyList<string> Arguments, string Verb, bool Mutating, bool HasNamespace);

/// <summary>
/// Parses a command line as kubectl arguments (quotes and backslashes honoured, as a POSIX shell splits words) without
/// ever running a shell: shell operators outside quotes (<c>; | &amp; &lt; &gt;</c>, backquotes, <c>$(</c>) are refused, and
/// inside quotes they are plain characters kubectl receives literally. Only allow-listed verbs run; those that change
/// the cluster need operator; flags that would point kubectl at other credentials, read or write local files are refused.
/// </summary>
public static class KubectlCommandParser
{
    /// <summary>Verbs that only read.</summary>
    public static readonly IReadOnlySet<string> ReadVerbs = new HashSet<string>(StringComparer.Ordinal)
    {
        "get", "describe", "logs", "top", "explain", "api-resources", "api-versions", "version", "cluster-info", "events", "auth", "wait", "diff",
    };

    /// <summary>Verbs that change the cluster (operator).</summary>
    public static readonly IReadOnlySet<string> WriteVerbs = new HashSet<string>(StringComparer.Ordinal)
    {
        "apply", "delete", "create", "scale", "label", "annotate", "patch", "replace", "rollout", "cordon", "uncordon", "drain",
        "taint", "set", "expose", "run", "autoscale",
    };

    private static readonly string[] RolloutReads = ["status", "history"];
    private static readonly string[] AuthReads = ["can-i", "whoami"];

    /// <summary>Flags that would change whose credentials or which server kubectl uses, or touch local files.</summary>
    private static readonly HashSet<string> ForbiddenFlags = new(StringComparer.Ordinal)
    {
        "--kubeconfig", "--context", "--cluster", "--user", "--token", "--server", "-s", "--as", "--as-group", "--as-uid",
        "--certificate-authority", "--client-certificate", "--client-key", "--insecure-skip-tls-verify", "--tls-server-name",
        "--username", "--password", "--cache-dir", "--filename", "-f", "--kustomize", "-k", "--output-directory", "--log-file",
        "--log-dir", "--profile-output", "--profile", "--from-file", "--from-env-file", "--env-file", "--follow", "--attach", "--stdin", "-i", "--tty", "-t",
    };

    public static IReadOnlyList<string> AllVerbs { get; } = ReadVerbs.Concat(WriteVerbs).Order(StringComparer.Ordinal).ToList();

    public static KubectlCommand Parse(string? line, int maxLength = 4096, string field = "command")
    {
        if (string.IsNullOrWhiteSpace(line)) throw FleetException.Validation(field, $"Field '{field}' is required");
        if (line.Length > maxLength) throw FleetException.Validation(field, $"Field '{field}' must be at most {maxLength} characters");
        var args = Tokenize(line, field).ToList();
        if (args.Count > 0 && args[0] is "kubectl" or "kcli") args.RemoveAt(0);
        if (args.Count == 0) throw FleetException.Validation(field, $"Field '{field}' has no kubectl verb");
        var verb = args[0];
        if (!ReadVerbs.Contains(verb) && !WriteVerbs.Contains(verb))
            throw FleetException.Validation(field, $"'{verb}' is not an allowed kubectl command (allowed: {string.Join(", ", AllVerbs)})");
        var mutating = WriteVerbs.Contains(verb);
        var sub = args.Skip(1).FirstOrDefault(a => !a.StartsWith('-'));
        if (verb == "rollout" && sub is not null && RolloutReads.Contains(sub)) mutating = false;
        if (verb == "auth" && (sub is null || !AuthReads.Contains(sub)))
            throw FleetException.Validation(field, "only 'auth can-i' and 'auth whoami' are allowed");
        if (verb == "cluster-info" && sub == "dump") throw FleetException.Validation(field, "'cluster-info dump' is not allowed");
        var hasNamespace = false;
        foreach (var a in args.Skip(1))
        {
            if (a == "--") break;
            if (!a.StartsWith('-')) continue;
            var name = a.Contains('=') ? a[..a.IndexOf('=')] : a;
            if (ForbiddenFlags.Contains(name) || IsShortCluster(name, verb))
                throw FleetException.Validation(field, $"flag '{name}' is not allowed here" +
                    (name is "-f" or "--filename" && verb != "logs" ? " (to apply manifests use POST apply)" : name is "-f" or "--follow" ? " (to follow logs use the logs WebSocket)" : ""));
            if ((name is "-o" or "--output" || a.StartsWith("-o", StringComparison.Ordinal)) && a.Contains("-file", StringComparison.Ordinal))
                throw FleetException.Validation(field, "template files are not allowed as output");
            if (name is "-n" or "--namespace" or "-A" or "--all-namespaces" || (a.StartsWith("-n", StringComparison.Ordinal) && !a.StartsWith("--", StringComparison.Ordinal)))
                hasNamespace = true;
        }
        // -o go-template-file / jsonpath-file as a separate value.
        for (var i = 1; i + 1 < args.Count; i++)
            if (args[i] is "-o" or "--output" && args[i + 1].Contains("-file", StringComparison.Ordinal))
                throw FleetException.Validation(field, "template files are not allowed as output");
        return new KubectlCommand(args, verb, mutating, hasNamespace);
    }

    /// <summary>Combined short flags that include a forbidden one (e.g. <c>-fk</c>); <c>-n</c> values stay allowed.</summary>
    private static bool IsShortCluster(string flag, string verb) =>
        flag.Length > 2 && flag[0] == '-' && flag[1] != '-' && !flag.StartsWith("-n", StringComparison.Ordinal) && !flag.StartsWith("-o", StringComparison.Ordinal)
        && !flag.StartsWith("-l", StringComparison.Ordinal) && !flag.StartsWith("-c", StringComparison.Ordinal)
        && flag.Skip(1).Any(c => c is 'f' or 'k' or 's' or 'i' or 't') && verb != "top";

    /// <summary>Splits words as a POSIX shell would (quotes, backslash), refusing the operators a shell would act on.</summary>
    public static IEnumerable<string> Tokenize(string line, string field = "command")
    {
        var words = new List<string>();
        var current = new StringBuilder();
        var inWord = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (char.IsControl(c) && c is not ' ' and not '\t')
                throw FleetException.Validation(field, $"Field '{field}' must be one line without control characters");
            if (c is ' ' or '\t')
            {
                if (inWord) { words.Add(current.ToString()); current.Clear(); inWord = false; }
                continue;
            }
            inWord = true;
            switch (c)
            {
                case '\'':
                {
                    var end = line.IndexOf('\'', i + 1);
                    if (end < 0) throw FleetException.Validation(field, $"Field '{field}' has an unterminated ' quote");
                    current.Append(line, i + 1, end - i - 1);
                    i = end;
                    break;
                }
                case '"':
                {
                    var j = i + 1;
                    for (; j < line.Length && line[j] != '"'; j++)
                    {
                        if (line[j] == '\\' && j + 1 < line.Length && line[j + 1] is '"' or '\\' or '$' or '`') j++;
                        current.Append(line[j]);
                    }
                    if (j >= line.Length) throw FleetException.Validation(field, $"Field '{field}' has an unterminated \" quote");
                    i = j;
                    break;
                }
                case '\\':
                    if (i + 1 >= line.Length) throw FleetException.Validation(field, $"Field '{field}' ends with a lone backslash");
                    current.Append(line[++i]);
                    break;
                case ';' or '|' or '&' or '<' or '>' or '`':
                    throw FleetException.Validation(field, $"shell operators such as '{c}' are not supported: the command is run as kubectl arguments, not by a shell (quote the character to pass it literally)");
                case '$' when i + 1 < line.Length && line[i + 1] is '(' or '{':
                    throw FleetException.Validation(field, "shell substitutions such as '$(' are not supported: the command is run as kubectl arguments, not by a shell");
                default:
                    current.Append(c);
                    break;
            }
        }
        if (inWord) words.Add(current.ToString());
        return words;
    }
}
