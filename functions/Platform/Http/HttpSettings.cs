namespace Fleet.Functions.Platform.Http;

/// <summary>host.json <c>extensions:http</c> with app-setting overrides (<c>Http__*</c>).</summary>
public sealed class HttpSettings
{
    public string RoutePrefix { get; set; } = "api";
    public long MaxRequestBodySize { get; set; } = 1024 * 1024;

    public static HttpSettings From(IConfiguration configuration)
    {
        var s = new HttpSettings();
        configuration.GetSection("extensions:http").Bind(s);
        configuration.GetSection("Http").Bind(s);
        s.RoutePrefix = s.RoutePrefix.Trim('/');
        return s;
    }
}
