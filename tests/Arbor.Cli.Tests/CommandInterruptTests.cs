using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using Arbor.TestKit;

namespace Arbor.Cli.Tests;

/// <summary>
/// SIGTERM on the real process of commands other than train: one that watches for it (sample, reward-serve) stops at
/// its clean point saying what it kept, one that does not (eval) stops at once; either way promptly, with exit 143 and
/// no error. (SIGTERM rather than Ctrl+C: a test run started in the background has SIGINT ignored, see InterruptTests.)
/// </summary>
public partial class CommandInterruptTests : IDisposable
{
    readonly TempDirectory _temp = new("arbor-cli-cmd-interrupt-");

    public void Dispose() => _temp.Dispose();

    [LibraryImport("libc", EntryPoint = "kill")]
    private static partial int Kill(int pid, int signal);

    private const int SigTerm = 15;

    [Fact]
    public async Task SampleStopsAfterTheCurrentPromptWithTheManifestOfWhatItWroteAndExits143()
    {
        var model = TinyRun.SaveModel(_temp.Path);
        var prompts = Path.Combine(_temp.Path, "prompts.txt");
        File.WriteAllLines(prompts, Enumerable.Repeat("a large red triangle at the top", 5000));
        var outDir = Path.Combine(_temp.Path, "samples");
        using var p = Process.Start(ArborProcess.ArborCommand("sample", "--model", model, "--prompts", prompts, "--n", "2", "--steps",
            "2", "--out", outDir))!;
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        // the first image is written
        Assert.EndsWith(".png", (await p.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken))!.Split("  ")[0]);

        Assert.Equal(0, Kill(p.Id, SigTerm));
        var rest = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.True(p.WaitForExit(30_000), "sample did not stop within 30 s of SIGTERM");
        await rest;
        var err = await stderr;

        Assert.Equal(143, p.ExitCode);
        Assert.Contains("stopping after the current prompt's images (press Ctrl+C again to stop at once)", err);
        var said = Regex.Match(err,
            @"sample interrupted after (\d+) of 5000 prompts: their (\d+) images, grid.png and manifest.json are in (.+)\n");
        Assert.True(said.Success, err);
        int done = int.Parse(said.Groups[1].Value);
        Assert.InRange(done, 1, 4999);
        Assert.Equal(2 * done, int.Parse(said.Groups[2].Value));
        Assert.Equal(outDir, said.Groups[3].Value);
        Assert.DoesNotContain("error", err);
        // the manifest lists exactly the images on disk, each prompt with both of its images
        var manifest = JsonDocument.Parse(File.ReadAllText(Path.Combine(outDir, "manifest.json"))).RootElement;
        var files = Directory.GetFiles(outDir, "???-??.png").Select(Path.GetFileName).Order().ToList();
        Assert.Equal(files, manifest.EnumerateArray().Select(e => e.GetProperty("file").GetString()).Order().ToList());
        Assert.Equal(2 * done, files.Count);
        Assert.True(File.Exists(Path.Combine(outDir, "grid.png")));
    }

    [Fact]
    public async Task RewardServeStopsOnSigtermSayingSoAndExits143()
    {
        using var p = Process.Start(ArborProcess.ArborCommand("reward-serve", "--port", "0"))!;
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith("serving shapes at http://127.0.0.1:",
            await p.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken));

        Assert.Equal(0, Kill(p.Id, SigTerm));
        Assert.True(p.WaitForExit(30_000), "reward-serve did not stop within 30 s of SIGTERM");
        Assert.Equal(143, p.ExitCode);
        Assert.Equal("\nstopping the server (press Ctrl+C again to stop at once)\nreward server stopped\n", await stderr);
    }

    [Fact]
    public async Task EvalWhichHasNoCleanPointStopsAtOnceOnSigtermWithoutAnErrorAndExits143()
    {
        var model = TinyRun.SaveModel(_temp.Path);
        using var p = Process.Start(ArborProcess.ArborCommand("eval", "--model", model, "--per-family", "2000", "--out",
            Path.Combine(_temp.Path, "eval")))!;
        var stderr = p.StandardError.ReadToEndAsync(TestContext.Current.CancellationToken);
        Assert.StartsWith($"evaluating {model} on ", await p.StandardOutput.ReadLineAsync(TestContext.Current.CancellationToken));
        var stdout = p.StandardOutput.ReadToEndAsync(TestContext.Current.CancellationToken);

        Assert.Equal(0, Kill(p.Id, SigTerm));
        Assert.True(p.WaitForExit(10_000), "eval did not stop within 10 s of SIGTERM");
        await stdout;
        Assert.Equal("\ninterrupted: stopped at once\n", await stderr);   // and no error from the work cut short
        Assert.Equal(143, p.ExitCode);
        Assert.False(File.Exists(Path.Combine(_temp.Path, "eval", "accuracy.json")));
    }
}
