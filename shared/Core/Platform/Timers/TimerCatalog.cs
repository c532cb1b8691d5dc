using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using NCrontab;

namespace Fleet.Core.Platform.Timers;

/// <summary>A registered timer with its effective settings (configuration over the function's defaults).</summary>
public sealed record TimerDefinition(ITimerFunction Function, string Schedule, CrontabSchedule Crontab, bool Disabled, bool RunOnStartup)
{
    public string Name => Function.Name;

    /// <summary>The first occurrence strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset NextAfter(DateTimeOffset after) =>
        new(DateTime.SpecifyKind(Crontab.GetNextOccurrence(after.UtcDateTime), DateTimeKind.Utc));

    /// <summary>The latest occurrence at or before <paramref name="now"/> that is after <paramref name="after"/>, if any.</summary>
    public DateTimeOffset? LatestBetween(DateTimeOffset after, DateTimeOffset now)
    {
        DateTimeOffset? latest = null;
        // Occurrences are walked forward; the window is bounded by how long the timer was down.
        foreach (var t in Crontab.GetNextOccurrences(after.UtcDateTime, now.UtcDateTime.AddTicks(1)))
            latest = new DateTimeOffset(DateTime.SpecifyKind(t, DateTimeKind.Utc));
        return latest;
    }
}

/// <summary>
/// Every registered timer, resolved once: <c>Timers:&lt;Name&gt;:Schedule|Disabled|RunOnStartup</c> from app
/// settings or environment (<c>Timers__&lt;Name&gt;__Schedule</c>) or host.json's <c>timers</c> section (same keys;
/// configuration keys ignore case) win over the function's defaults. A bad name or schedule fails the host at start.
/// </summary>
public sealed partial class TimerCatalog
{
    public TimerCatalog(IEnumerable<ITimerFunction> functions, IConfiguration configuration)
    {
        var list = new List<TimerDefinition>();
        foreach (var f in functions)
        {
            var name = f.Name ?? "";
            if (!NamePattern().IsMatch(name))
                throw new InvalidOperationException($"Timer name '{f.Name}' is invalid: 1-63 letters, digits, '-' or '_', starting with a letter or digit.");
            if (list.Any(d => string.Equals(d.Name, f.Name, StringComparison.OrdinalIgnoreCase)))
                throw new InvalidOperationException($"Timer '{f.Name}' is registered twice.");
            var section = configuration.GetSection("Timers").GetSection(name);
            var schedule = section["Schedule"] is { Length: > 0 } s ? s : f.Schedule;
            var crontab = CrontabSchedule.TryParse(schedule, new CrontabSchedule.ParseOptions { IncludingSeconds = true })
                ?? throw new InvalidOperationException($"Timer '{f.Name}': schedule '{schedule}' is not a six-field NCrontab expression (Timers:{f.Name}:Schedule).");
            list.Add(new TimerDefinition(f, schedule, crontab, Flag(section, "Disabled", false), Flag(section, "RunOnStartup", f.RunOnStartup)));
        }
        Timers = list.OrderBy(d => d.Name, StringComparer.Ordinal).ToList();
    }

    public IReadOnlyList<TimerDefinition> Timers { get; }

    private static bool Flag(IConfigurationSection section, string key, bool fallback) =>
        section[key] is { Length: > 0 } v
            ? bool.TryParse(v, out var b) ? b : throw new InvalidOperationException($"{section.Path}:{key} must be true or false, not '{v}'.")
            : fallback;

    // Blob names, table partition keys and configuration keys all accept this set.
    [GeneratedRegex("^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$")]
    private static partial Regex NamePattern();
}
