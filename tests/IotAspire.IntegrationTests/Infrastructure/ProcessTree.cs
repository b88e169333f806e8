using System.Globalization;

namespace IotAspire.IntegrationTests.Infrastructure;

/// <summary>
/// Aspire starts a project as "dotnet run", so a resource's process id is that launcher's; the service is
/// its child. Crash tests must kill the service itself, as a real crash would.
/// </summary>
public static class ProcessTree
{
    public static IReadOnlyList<int> WithDescendants(int root)
    {
        var children = new Dictionary<int, List<int>>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }

            try
            {
                // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may contain spaces, so parse after the last ')'.
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var parent = int.Parse(fields[1], CultureInfo.InvariantCulture);
                if (!children.TryGetValue(parent, out var list))
                {
                    children[parent] = list = [];
                }

                list.Add(pid);
            }
            catch (IOException)
            {
                // The process ended while we looked.
            }
        }

        var result = new List<int> { root };
        for (var i = 0; i < result.Count; i++)
        {
            result.AddRange(children.GetValueOrDefault(result[i]) ?? []);
        }

        return result;
    }
}
