using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Fleet.Core.Platform.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Azurite's well-known account, what Azure Functions means by UseDevelopmentStorage=true.</summary>
    public const string DevelopmentStorage = "UseDevelopmentStorage=true";

    public static string StorageConnectionString(this IConfiguration configuration) =>
        configuration["AzureWebJobsStorage"] is { Length: > 0 } s ? s : DevelopmentStorage;

    public static IServiceCollection AddFleetStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddSingleton(sp => new FleetStorage(sp.GetRequiredService<IConfiguration>().StorageConnectionString()));
        services.AddSingleton<TableRegistry>();
        services.AddHostedService<TableInitializer>();
        return services;
    }

    /// <summary>Declares a table the host creates at start.</summary>
    public static IServiceCollection AddFleetTable(this IServiceCollection services, string tableName)
    {
        services.AddSingleton(new TableDeclaration(tableName));
        return services;
    }
}

/// <summary>A table declared by a family; the registry collects them.</summary>
public sealed record TableDeclaration(string Name);
