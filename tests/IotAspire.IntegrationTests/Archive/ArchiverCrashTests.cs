using IotAspire.IntegrationTests.Infrastructure;

namespace IotAspire.IntegrationTests.Archive;

/// <summary>
/// kill -9 of the Archiver process at 20 random points while it exports (new days and late points keep arriving
/// between the kills), then a run to the end: every row is archived exactly once and no partial file is ever visible.
/// </summary>
[Collection(StackCollection.Name)]
public sealed class ArchiverCrashTests(StackFixture stack)
{
    private const int Kills = 20;

    [Fact]
    public async Task Export_KilledAt20RandomPoints_EveryRowExactlyOnceAndNoPartialFileVisible()
    {
        await using var database = await ArchiveDatabase.CreateAsync(stack);
        var first = new DateOnly(2003, 5, 1);
        var written = KnownTelemetry.Make(first, days: 4, perSeries: 1_500);
        await KnownTelemetry.WriteAsync(database.DataSource, written);

        var random = new Random(14);
        var killed = 0;
        for (var i = 0; i < Kills; i++)
        {
            // More work for every run: a new closed day, and late points for an earlier, exported one.
            var batch = KnownTelemetry.Make(first.AddDays(4 + i), days: 1, perSeries: 1_200, seed: 100 + i);
            batch.AddRange(ArchiveExportTests.NewPoints(
                KnownTelemetry.Make(first.AddDays(random.Next(4 + i)), days: 1, perSeries: 100, seed: 200 + i), written));
            await KnownTelemetry.WriteAsync(database.DataSource, batch);
            written.AddRange(batch);

            if (await database.Archiver.KillAfterAsync(TimeSpan.FromMilliseconds(random.Next(0, 900))))
            {
                killed++;
            }

            // Whatever the moment: every file under a final name is a whole part that a reader can open.
            foreach (var part in ArchiveFiles.Parts(database.Root).Where(p => p.EndsWith(".parquet", StringComparison.Ordinal)))
            {
                Assert.True(await ArchiveFiles.CountRowsAsync(Path.Combine(database.Root, part)) > 0, $"{part} is empty");
            }
        }

        await database.Archiver.RunToCompletionAsync();

        Assert.True(killed >= Kills / 2, $"only {killed} of {Kills} runs were still exporting when killed");
        ArchiveAssert.OnlyFinalParts(database.Root);
        ArchiveAssert.ExactlyOnce(written, await ArchiveFiles.ReadAllAsync(database.Root));
        Assert.Equal((long)written.Count, await database.ScalarAsync<long>("SELECT sum(rows)::bigint FROM archive_parts"));
    }
}
