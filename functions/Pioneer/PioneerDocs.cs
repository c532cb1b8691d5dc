using Fleet.Functions.Platform.Docs;

namespace Fleet.Functions.Pioneer;

/// <summary>OpenAPI metadata shared by CloudPioneer's routes: the answer's type and its error statuses in CloudPioneer's envelope.</summary>
public static class PioneerDocs
{
    /// <summary>401, 403 and 429 every authenticated route can answer, plus the route's own.</summary>
    public static RouteHandlerBuilder PioneerResponses<T>(this RouteHandlerBuilder b, params int[] errors)
    {
        b.Produces<T>(200);
        foreach (var status in errors.Concat([401, 403, 429]).Distinct())
            b.Produces<PlatformErrorBody>(status);
        return b;
    }
}
