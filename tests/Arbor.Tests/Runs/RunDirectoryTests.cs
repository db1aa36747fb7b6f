using Arbor.Runs;
using Arbor.TestKit;

namespace Arbor.Tests.Runs;

public sealed class RunDirectoryTests : IDisposable
{
    private readonly TempDirectory _temp = new("arbor-rundir-");

    public void Dispose() => _temp.Dispose();

    private string FakeRun(string name)
    {
        var dir = Path.Combine(_temp.Path, name);
        Directory.CreateDirectory(Path.Combine(dir, "checkpoint"));
        File.WriteAllText(Path.Combine(dir, "config.yaml"), "seed: 0\nstrategy: flow_grpo\n");
        File.WriteAllText(Path.Combine(dir, "metrics.jsonl"), "{}\n");
        return dir;
    }

    [Fact]
    public void ReplacingDeletesAnEarlierRunAndRefusesAnythingElse()
    {
        var run = FakeRun("demo");
        OutputGuard.ReplacePrevious(run, RunDirectory.Rl);
        Assert.False(Directory.Exists(run));

        // `arbor demo --out .` in a repository, or in a home directory: nothing is deleted
        var user = Path.Combine(_temp.Path, "work");
        Directory.CreateDirectory(Path.Combine(user, "src"));
        File.WriteAllText(Path.Combine(user, "notes.txt"), "mine");
        File.WriteAllText(Path.Combine(user, "config.yaml"), "not a run without metrics.jsonl");
        var e = Assert.Throws<OutputPathException>(() => OutputGuard.ReplacePrevious(user, RunDirectory.Rl));
        Assert.Contains("is not an Arbor RL run directory (it has no metrics.jsonl): refusing to delete it", e.Message);
        Assert.Contains(user, e.Message);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(user, "notes.txt")));
        Assert.True(Directory.Exists(Path.Combine(user, "src")));

        var file = Path.Combine(_temp.Path, "a-file");
        File.WriteAllText(file, "x");
        Assert.Throws<OutputPathException>(() => OutputGuard.ReplacePrevious(file, RunDirectory.Rl));
        Assert.True(File.Exists(file));
        OutputGuard.ReplacePrevious(Path.Combine(_temp.Path, "absent"), RunDirectory.Rl);     // nothing there: nothing to do
    }

    [Fact]
    public void AnExistingRunIsContinuedOnlyWithResumeAndReplacedOnlyWithOverwrite()
    {
        var run = FakeRun("train");
        var e = Assert.Throws<OutputPathException>(() => RunDirectory.PrepareForRun(run, RunDirectory.Rl, resume: false, overwrite: false));
        Assert.Contains("already holds a run: pass --resume to continue it, or --overwrite to replace it", e.Message);
        Assert.Equal("{}\n", File.ReadAllText(Path.Combine(run, "metrics.jsonl")));   // untouched

        RunDirectory.PrepareForRun(run, RunDirectory.Rl, resume: true, overwrite: false);
        Assert.True(File.Exists(Path.Combine(run, "metrics.jsonl")));
        Assert.Throws<OutputPathException>(() => RunDirectory.PrepareForRun(run, RunDirectory.Rl, resume: true, overwrite: true));

        RunDirectory.PrepareForRun(run, RunDirectory.Rl, resume: false, overwrite: true);
        Assert.False(Directory.Exists(run));
        RunDirectory.PrepareForRun(Path.Combine(_temp.Path, "fresh"), RunDirectory.Rl, resume: false, overwrite: false);

        var user = Path.Combine(_temp.Path, "user");
        Directory.CreateDirectory(user);
        File.WriteAllText(Path.Combine(user, "thesis.tex"), "x");
        Assert.Throws<OutputPathException>(() => RunDirectory.PrepareForRun(user, RunDirectory.Rl, resume: false, overwrite: true));
        Assert.True(File.Exists(Path.Combine(user, "thesis.tex")));
    }

    [Fact]
    public void ASecondWriterFailsAtOnceNamingTheFirstAndTheLockIsFreedOnRelease()
    {
        var run = FakeRun("locked");
        using (var first = RunLock.Acquire(run))
        {
            var e = Assert.Throws<OutputPathException>(() => RunLock.Acquire(run));
            Assert.Contains($"PID {Environment.ProcessId} on {Environment.MachineName}", e.Message);
            Assert.Contains("one process at a time", e.Message);
            // a run in use is not deleted under its writer
            Assert.Throws<OutputPathException>(() => OutputGuard.ReplacePrevious(run, RunDirectory.Rl));
            Assert.True(File.Exists(Path.Combine(run, "metrics.jsonl")));
        }
        using (RunLock.Acquire(run)) { }                      // released: the next writer gets it
        OutputGuard.ReplacePrevious(run, RunDirectory.Rl);
        Assert.False(Directory.Exists(run));

        // a directory holding only a released lock file counts as empty
        var empty = Path.Combine(_temp.Path, "empty");
        using (RunLock.Acquire(empty)) { }
        Assert.True(OutputGuard.IsAbsentOrEmpty(empty));
        RunDirectory.PrepareForRun(empty, RunDirectory.Rl, resume: false, overwrite: false);
    }

    [Fact]
    public void PreparingARunInUseNamesItsWriterBeforeWhatItHolds()
    {
        var run = FakeRun("in-use");
        var user = Path.Combine(_temp.Path, "user-files");
        Directory.CreateDirectory(user);
        File.WriteAllText(Path.Combine(user, "notes.txt"), "mine");
        foreach (var dir in new[] { run, user })
        {
            using (RunLock.Acquire(dir))
            {
                // whatever the flags, and whether or not it looks like a run yet: the second process learns who writes it
                foreach (var (resume, overwrite) in new[] { (false, false), (true, false), (false, true) })
                {
                    var e = Assert.Throws<OutputPathException>(() => RunDirectory.PrepareForRun(dir, RunDirectory.Rl, resume, overwrite));
                    Assert.StartsWith($"'{dir}' is in use by PID {Environment.ProcessId} on " +
                        $"{Environment.MachineName} (started ", e.Message);
                }
                Assert.Contains("is in use by PID",
                    Assert.Throws<OutputPathException>(() => OutputGuard.ReplacePrevious(dir, RunDirectory.Rl)).Message);
            }
        }
        Assert.True(File.Exists(Path.Combine(run, "metrics.jsonl")));

        // a user's directory that is refused gets no lock file from the check
        var other = Path.Combine(_temp.Path, "other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "thesis.tex"), "x");
        Assert.Throws<OutputPathException>(() => RunDirectory.PrepareForRun(other, RunDirectory.Rl, resume: false, overwrite: false));
        Assert.Equal(["thesis.tex"], Directory.GetFiles(other).Select(Path.GetFileName));
    }

    [Fact]
    public void TheLockFilesAKilledRunLeavesBeforeItsFirstWriteCountAsEmpty()
    {
        // kill -9 between taking the lock and writing config.yaml: the OS released the lock, its owner file stays
        var dir = Path.Combine(_temp.Path, "killed");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, RunLock.FileName), "");
        File.WriteAllText(Path.Combine(dir, RunLock.OwnerFileName), "PID 1 on elsewhere (started 2000-01-01 00:00:00 UTC)");
        Assert.True(OutputGuard.IsAbsentOrEmpty(dir));
        RunDirectory.PrepareForRun(dir, RunDirectory.Rl, resume: false, overwrite: false);
        using (RunLock.Acquire(dir)) { }
    }
}
