using System.Text;

namespace Fleet.Durable.Tracking.AzureStorage;

/// <summary>Instance ids as table keys: the characters Table storage forbids in keys (<c>/ \ # ?</c> and control characters) and
/// <c>%</c> itself are written as <c>%XX</c>. The mapping is character by character, so an id's prefix maps to its key's prefix
/// and prefix queries still work.</summary>
internal static class TableKeys
{
    public static string Escape(string id)
    {
        if (!id.Any(Needs)) return id;
        var sb = new StringBuilder(id.Length + 8);
        foreach (char c in id)
        {
            if (Needs(c)) sb.Append('%').Append(((int)c).ToString("X2"));
            else sb.Append(c);
        }
        return sb.ToString();
    }

    public static string Unescape(string key) => key.Contains('%') ? Uri.UnescapeDataString(key) : key;

    private static bool Needs(char c) => c is '/' or '\\' or '#' or '?' or '%' || char.IsControl(c);
}
