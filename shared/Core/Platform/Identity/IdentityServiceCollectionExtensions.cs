using Fleet.Core.Platform.Storage;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Fleet.Core.Platform.Identity;

public static class IdentityServiceCollectionExtensions
{
    public const string DataProtectionContainer = "platform-dataprotection";

    /// <summary>The one identity store: users, tokens, API keys, cluster permissions, audit, signing key.</summary>
    public static IServiceCollection AddFleetIdentityCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(sp => AuthSettings.From(sp.GetRequiredService<IConfiguration>()));
        services.AddSingleton<IPasswordHasher<UserEntity>, PasswordHasher<UserEntity>>();
        services.AddSingleton<UserStore>();
        services.AddSingleton<ApiKeyStore>();
        services.AddSingleton<RefreshTokenStore>();
        services.AddSingleton<ClusterPermissionStore>();
        services.AddSingleton<AuditStore>();
        services.AddSingleton<AuditLog>();
        services.AddSingleton<SigningKeyProvider>();
        services.AddSingleton<AccessTokenCache>();
        services.AddSingleton<TokenService>();
        services.AddSingleton<LoginService>();
        services.AddSingleton<UserService>();
        services.AddSingleton<ApiKeyService>();
        services.AddHostedService<BootstrapAdmin>();
        foreach (var t in new[] { UserStore.Table, ApiKeyStore.Table, RefreshTokenStore.Table, ClusterPermissionStore.Table, AuditStore.Table, SigningKeyProvider.Table })
            services.AddFleetTable(t);

        // One key ring for every host process, kept in the storage account.
        services.AddDataProtection().SetApplicationName("Fleet");
        services.AddOptions<KeyManagementOptions>().Configure<FleetStorage>((o, storage) =>
            o.XmlRepository = new BlobXmlRepository(storage.Blobs.GetBlobContainerClient(DataProtectionContainer), "keys.xml"));
        return services;
    }
}
