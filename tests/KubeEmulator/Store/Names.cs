using System.Text;

namespace Fleet.KubeEmulator.Store;

/// <summary>Name generation the way the API server and controllers do it.</summary>
public static class Names
{
    // The alphabet of k8s.io/apimachinery/pkg/util/rand: no vowels, no confusable characters.
    private const string Alphabet = "bcdfghjklmnpqrstvwxz2456789";

    public static string RandomSuffix(int length)
    {
        var sb = new StringBuilder(length);
        for (var i = 0; i < length; i++) sb.Append(Alphabet[Random.Shared.Next(Alphabet.Length)]);
        return sb.ToString();
    }

    /// <summary>A stable short hash (FNV-1a, safe-encoded) like pod-template-hash.</summary>
    public static string StableHash(string text)
    {
        uint h = 2166136261;
        foreach (var b in Encoding.UTF8.GetBytes(text)) { h ^= b; h *= 16777619; }
        var sb = new StringBuilder();
        do { sb.Append(Alphabet[(int)(h % (uint)Alphabet.Length)]); h /= (uint)Alphabet.Length; } while (h > 0);
        return sb.ToString();
    }
}
