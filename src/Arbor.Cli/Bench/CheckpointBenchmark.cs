using System.Diagnostics;
using Arbor.Pipelines;
using Arbor.Runs;
using Arbor.Tensors;
using Arbor.Tensors.NN;
using Arbor.Tensors.Optim;
using Arbor.Training;

namespace Arbor.Cli.Bench;

/// <summary>
/// What durability costs an RL checkpoint of the shipped base (LoRA adapters, AdamW's state, state.json, config.yaml).
/// Three timings per round: <see cref="GrpoCheckpoint.Save"/> itself (serializing, writing, fsync of every file, the new
/// directory and its parent, renames); the same bytes written through <see cref="AtomicDirectory.Write"/> (the fsyncs,
/// not the serializing); and the same bytes written and renamed the same way with no fsync at all, as checkpoints were
/// written before (the baseline). The order of the two byte writes alternates per round, so drift hits both alike.
/// </summary>
public static class CheckpointBenchmark
{
    public sealed record Result(long Bytes, int Files, Sample Save, Sample Durable, Sample Unsynced);

    public static Result Run(string modelDir, string scratch, int reps)
    {
        Directory.CreateDirectory(scratch);
        using var pipeline = TextToImagePipeline.Load(modelDir);
        var config = new GrpoTrainConfig();
        using var gen = new Generator(0);
        LoraInjection.Apply(pipeline.Model, config.Lora.Pattern, config.Lora.Rank, config.Lora.Alpha, gen);
        using var optimizer =
            new AdamW(pipeline.Model.NamedParameters(trainableOnly: true), new AdamWOptions { LearningRate = config.Optim.LearningRate });
        OneStep(pipeline.Model, optimizer);   // AdamW's moments exist, as in every checkpoint after iteration 1

        var saved = Path.Combine(scratch, "save");
        void Save() => GrpoCheckpoint.Save(saved, pipeline.Model, lora: true, optimizer, iterations: 1, config);
        Save();
        var files = Directory.EnumerateFiles(saved, "*", SearchOption.AllDirectories)
            .ToDictionary(f => Path.GetRelativePath(saved, f), File.ReadAllBytes);

        var durable = Path.Combine(scratch, "durable");
        var unsynced = Path.Combine(scratch, "unsynced");
        var (save, sync, nosync) = (new double[reps], new double[reps], new double[reps]);
        for (int r = 0; r < reps; r++)
        {
            save[r] = Seconds(Save);
            if (r % 2 == 0)
            {
                sync[r] = Seconds(() => AtomicDirectory.Write(durable, tmp => WriteFiles(tmp, files)));
                nosync[r] = Seconds(() => WriteUnsynced(unsynced, files));
            }
            else
            {
                nosync[r] = Seconds(() => WriteUnsynced(unsynced, files));
                sync[r] = Seconds(() => AtomicDirectory.Write(durable, tmp => WriteFiles(tmp, files)));
            }
        }
        Directory.Delete(scratch, recursive: true);
        return new Result(files.Values.Sum(b => (long)b.Length), files.Count, new Sample(save), new Sample(sync), new Sample(nosync));
    }

    private static void OneStep(Module model, AdamW optimizer)
    {
        using var scope = Torch.NewScope();
        Tensor? loss = null;
        foreach (var p in model.Parameters(trainableOnly: true)) loss = loss is null ? p.Square().Sum() : loss + p.Square().Sum();
        optimizer.ZeroGrad();
        loss!.Backward();
        optimizer.Step();
    }

    private static double Seconds(Action write)
    {
        var clock = Stopwatch.StartNew();
        write();
        return clock.Elapsed.TotalSeconds;
    }

    private static void WriteFiles(string directory, IReadOnlyDictionary<string, byte[]> files)
    {
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(directory, name), bytes);
    }

    /// <summary><see cref="AtomicDirectory.Write"/>'s steps (temporary directory, old one aside, rename) without its fsyncs.</summary>
    private static void WriteUnsynced(string path, IReadOnlyDictionary<string, byte[]> files)
    {
        string tmp = path + ".tmp", old = path + ".old";
        Directory.CreateDirectory(tmp);
        WriteFiles(tmp, files);
        if (Directory.Exists(path)) Directory.Move(path, old);
        Directory.Move(tmp, path);
        if (Directory.Exists(old)) Directory.Delete(old, recursive: true);
    }
}
