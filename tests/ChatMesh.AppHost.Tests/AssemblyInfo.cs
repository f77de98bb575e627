// Local infrastructure mode and these tests are for Linux and macOS machines.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
