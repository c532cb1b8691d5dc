using System.Text;
using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Store;
using Microsoft.AspNetCore.Http;

namespace Fleet.KubeEmulator.Api;

/// <summary>Selectors and paging of a list or watch request.</summary>
public sealed class ListQuery
{
    public required LabelSelector Labels { get; init; }
    public required FieldSelector Fields { get; init; }
    public int? Limit { get; init; }
    public string? Continue { get; init; }

    public static ListQuery From(IQueryCollection q) => new()
    {
        Labels = LabelSelector.Parse(q["labelSelector"]),
        Fields = FieldSelector.Parse(q["fieldSelector"]),
        Limit = int.TryParse(q["limit"], out var l) && l > 0 ? l : null,
        Continue = string.IsNullOrEmpty(q["continue"]) ? null : q["continue"].ToString(),
    };

    public bool Matches(JsonObject obj) => Labels.Matches(Json.Labels(obj)) && Fields.Matches(obj);

    /// <summary>The continue token is opaque to clients: base64 of the last key served and the list's resourceVersion.</summary>
    public static string EncodeContinue(string lastKey, long rv) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes(new JsonObject { ["v"] = "meta.k8s.io/v1", ["rv"] = rv, ["start"] = lastKey }.ToJsonString()));

    public static (string Start, long Rv) DecodeContinue(string token)
    {
        try
        {
            var o = JsonNode.Parse(Encoding.UTF8.GetString(Convert.FromBase64String(token)))!.AsObject();
            return (o["start"]!.GetValue<string>(), o["rv"]!.GetValue<long>());
        }
        catch (Exception)
        {
            throw ApiException.BadRequest("continue key is not valid: illegal base64 data");
        }
    }
}
