using System.Diagnostics;

namespace IotAspire.Testing;

/// <summary>
/// The real Archiver (its built dll) as the tests and the benchmark run it: once over one database, into one archive
/// root, with no grace for the last day, exiting once every closed day is exported.
/// </summary>
public static class ArchiverStartInfo
{
    public static ProcessStartInfo For(string dll, string connectionString, string archiveRoot)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        start.WorkingDirectory = Path.GetDirectoryName(dll)!; // Its content root: appsettings.json (log levels) is read from there.
        start.Environment["ConnectionStrings__iotdb"] = connectionString;
        start.Environment["Archive__Root"] = archiveRoot;
        start.Environment["Archive__GraceMinutes"] = "0";
        start.Environment["Archive__ExitWhenCaughtUp"] = "true";
        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        return start;
    }
}
