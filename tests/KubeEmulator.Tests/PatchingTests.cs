using System.Text.Json.Nodes;
using Fleet.KubeEmulator.Patching;
using Fleet.KubeEmulator.Store;

namespace Fleet.KubeEmulator.Tests;

/// <summary>The patch engines and selectors on their own, without a server.</summary>
public sealed class PatchingTests
{
    private static JsonObject O(string json) => JsonNode.Parse(json)!.AsObject();

    [Fact]
    public void Json_patch_adds_replaces_removes_and_tests_at_any_depth()
    {
        var doc = O("""{"metadata":{"name":"x"},"data":{"a":"1"},"list":[1,2]}""");
        var ops = JsonNode.Parse("""
            [{"op":"add","path":"/extra","value":true},
             {"op":"replace","path":"/data/a","value":"2"},
             {"op":"add","path":"/list/-","value":3},
             {"op":"remove","path":"/list/0"},
             {"op":"test","path":"/metadata/name","value":"x"},
             {"op":"copy","from":"/data/a","path":"/data/b"}]
            """)!.AsArray();
        var result = JsonPatch.Apply(doc, ops);
        Assert.True(JsonNode.DeepEquals(O("""{"metadata":{"name":"x"},"data":{"a":"2","b":"2"},"list":[2,3],"extra":true}"""), result));
        var missing = Assert.Throws<ApiException>(() => JsonPatch.Apply(doc, JsonNode.Parse("""[{"op":"replace","path":"/nope","value":1}]""")!.AsArray()));
        Assert.Equal(422, missing.Code);
    }

    [Fact]
    public void Merge_patch_merges_maps_and_null_deletes()
    {
        var result = MergePatch.Apply(O("""{"a":{"b":1,"c":2},"d":[1]}"""), O("""{"a":{"b":null,"e":3},"d":[2]}"""));
        Assert.True(JsonNode.DeepEquals(O("""{"a":{"c":2,"e":3},"d":[2]}"""), result));
    }

    [Fact]
    public void Strategic_merge_patch_merges_lists_by_their_keys_and_honours_directives()
    {
        var pod = O("""
            {"spec":{"containers":[
              {"name":"a","image":"a:1","env":[{"name":"X","value":"1"}],"volumeMounts":[{"name":"v","mountPath":"/v"}],"ports":[{"containerPort":80}]},
              {"name":"b","image":"b:1"}],
             "tolerations":[{"key":"t1"}],
             "volumes":[{"name":"v","emptyDir":{}}]},
             "metadata":{"finalizers":["f1"]}}
            """);
        var patch = O("""
            {"spec":{"containers":[
              {"name":"a","env":[{"name":"Y","value":"2"}],"volumeMounts":[{"name":"w","mountPath":"/w"}],"ports":[{"containerPort":81}]},
              {"name":"b","$patch":"delete"},
              {"name":"c","image":"c:1"}],
             "tolerations":[{"key":"t2"}],
             "$setElementOrder/containers":[{"name":"a"},{"name":"c"}]},
             "metadata":{"finalizers":["f2"],"$deleteFromPrimitiveList/finalizers":["f1"]}}
            """);
        var result = StrategicMergePatch.Apply(pod, patch);
        var containers = result["spec"]!["containers"]!.AsArray();
        Assert.Equal(["a", "c"], containers.Select(c => c!["name"]!.GetValue<string>()));
        var a = containers[0]!;
        Assert.Equal("a:1", a["image"]!.GetValue<string>());
        Assert.Equal(["X", "Y"], a["env"]!.AsArray().Select(e => e!["name"]!.GetValue<string>()));
        Assert.Equal(["/v", "/w"], a["volumeMounts"]!.AsArray().Select(e => e!["mountPath"]!.GetValue<string>()));
        Assert.Equal(2, a["ports"]!.AsArray().Count);
        Assert.Equal("t2", Assert.Single(result["spec"]!["tolerations"]!.AsArray())!["key"]!.GetValue<string>());
        Assert.Equal(["f2"], result["metadata"]!["finalizers"]!.AsArray().Select(f => f!.GetValue<string>()));
        Assert.Null(result["spec"]!["$setElementOrder/containers"]);

        var replaced = StrategicMergePatch.Apply(pod, O("""{"spec":{"volumes":[{"name":"only","$patch":"replace"}]}}"""));
        Assert.Equal(0, replaced["spec"]!["volumes"]!.AsArray().Count(v => v!["name"]!.GetValue<string>() == "v"));
    }

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web,tier!=db", true)]
    [InlineData("app in (api, web)", true)]
    [InlineData("app notin (web)", false)]
    [InlineData("tier", false)]
    [InlineData("!tier", true)]
    [InlineData("app,!tier,env in (prod)", true)]
    public void Label_selectors_parse_like_the_API_server(string selector, bool matches)
    {
        var labels = new Dictionary<string, string> { ["app"] = "web", ["env"] = "prod" };
        Assert.Equal(matches, LabelSelector.Parse(selector).Matches(labels));
    }
}
