using System.Text.Json.Nodes;
using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Cli.Bench;

/// <summary>Settings of `arbor bench binding`; the same values are passed to the PyTorch reference.</summary>
public sealed record BindingBenchSettings
{
    public int Threads { get; init; } = Environment.ProcessorCount;
    public int Reps { get; init; } = 7;
    public int TinyOps { get; init; } = 20000;
    public int Dim { get; init; } = 256;
    public int Heads { get; init; } = 4;
    public int Depth { get; init; } = 4;
    public int Tokens { get; init; } = 64;
    public int Batch { get; init; } = 32;
    public int Gemm { get; init; } = 1024;
}

public sealed record BindingBenchResult(
    Sample TinyAddMicroseconds, Sample TransformerSeconds, Sample SgemmGflops, Sample OpenBlasGflops, long Parameters)
{
    /// <summary>Pools the samples of two rounds.</summary>
    public BindingBenchResult Concat(BindingBenchResult o) => new(
        TinyAddMicroseconds.Concat(o.TinyAddMicroseconds), TransformerSeconds.Concat(o.TransformerSeconds),
        SgemmGflops.Concat(o.SgemmGflops), OpenBlasGflops.Concat(o.OpenBlasGflops), Parameters);
}

/// <summary>The binding's three measurements: per-op overhead, a transformer step, SGEMM throughput.</summary>
public static class BindingBenchmark
{
    public static BindingBenchResult RunArbor(BindingBenchSettings s)
    {
        TorchRuntime.SetThreads(s.Threads, s.Threads);
        Torch.ManualSeed(0);
        using var data = Torch.NewScope();

        var x8 = Torch.Randn([8, 8]);
        var y8 = Torch.Randn([8, 8]);
        var tiny = Measure.Seconds(() =>
        {
            for (int i = 0; i < s.TinyOps; i++)
                using (x8 + y8) { }
        }, s.Reps).Map(t => t / s.TinyOps * 1e6);

        using var gen = new Generator(0);
        var blocks = new BenchTransformerBlock[s.Depth];
        for (int i = 0; i < s.Depth; i++) blocks[i] = new BenchTransformerBlock(s.Dim, s.Heads, gen);
        using var model = new Sequential(blocks);
        var xb = Torch.Randn([s.Batch, s.Tokens, s.Dim], gen);
        var transformer = Measure.Seconds(() =>
        {
            using var scope = Torch.NewScope();
            foreach (var p in model.Parameters()) p.Grad = null;
            model.Forward(xb).Square().Mean().Backward();
        }, s.Reps);

        var ga = Torch.Randn([s.Gemm, s.Gemm]);
        var gb = Torch.Randn([s.Gemm, s.Gemm]);
        long n = s.Gemm;
        var sgemm = Measure.Seconds(() => { using (ga.Matmul(gb)) { } }, s.Reps, inner: 3).Map(t => 2.0 * n * n * n / t / 1e9);
        var peak = OpenBlasPeak.GflopsPerSecond(s.Gemm, s.Threads, s.Reps);
        return new BindingBenchResult(tiny, transformer, sgemm, peak, model.ParameterCount());
    }

    /// <summary>Runs bench/python/binding_bench.py with the same settings; null (with a reason) when it cannot run.</summary>
    public static (JsonObject? Result, string? Problem) RunPyTorch(BindingBenchSettings s, string python) =>
        PythonReference.Run(python, "bench/python/binding_bench.py",
            ["--threads", $"{s.Threads}", "--reps", $"{s.Reps}", "--tiny-ops", $"{s.TinyOps}", "--dim", $"{s.Dim}", "--heads", $"{s.Heads}",
             "--depth", $"{s.Depth}", "--tokens", $"{s.Tokens}", "--batch", $"{s.Batch}", "--gemm", $"{s.Gemm}"], s.Threads);

    /// <summary>Pools the sample arrays of two PyTorch rounds.</summary>
    public static JsonObject Concat(JsonObject a, JsonObject b) =>
        PythonReference.Concat(a, b, "tiny_add_us", "transformer_s", "sgemm_gflops");

    public static Sample SampleOf(JsonObject o, string key) => PythonReference.SampleOf(o, key);
}
