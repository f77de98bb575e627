using Microsoft.Extensions.Configuration;

using System.Diagnostics;

namespace ChatMesh.AppHost.Infrastructure;

/// <summary>Whether a container engine answers, and which.</summary>
public sealed record ContainerRuntimeStatus(bool Healthy, string Description);

/// <summary>Asks the container runtime Aspire would use (<c>ASPIRE_CONTAINER_RUNTIME</c>, default docker) whether its engine is up.</summary>
internal static class ContainerRuntimeProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public static ContainerRuntimeStatus Probe(IConfiguration configuration)
    {
        var runtime = configuration["ASPIRE_CONTAINER_RUNTIME"] ?? configuration["DOTNET_ASPIRE_CONTAINER_RUNTIME"] ?? "docker";
        if (LocalBinaries.FindOnPath(runtime) is not { } path)
        {
            return new(false, $"'{runtime}' is not installed");
        }

        try
        {
            using var process = Process.Start(new ProcessStartInfo(path, ["info", "--format", "{{.ServerVersion}}"])
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            })!;
            var output = process.StandardOutput.ReadToEndAsync();
            _ = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(Timeout))
            {
                process.Kill(entireProcessTree: true);
                return new(false, $"'{runtime} info' did not answer within {Timeout.TotalSeconds:0} s");
            }

            var version = output.GetAwaiter().GetResult().Trim();
            return process.ExitCode == 0 && version.Length > 0
                ? new(true, $"{runtime} {version}")
                : new(false, $"'{runtime}' is installed but its engine is not running");
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            return new(false, $"'{runtime}' could not be started: {ex.Message}");
        }
    }
}
