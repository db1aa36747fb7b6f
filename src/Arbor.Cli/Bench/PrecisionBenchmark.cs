using Arbor.Pipelines;
using Arbor.Rollouts;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Cli.Bench;

/// <summary>One measurement of `arbor bench precision`: seconds per call in fp32 and in bf16, pooled over alternating rounds.</summary>
public sealed record PrecisionRow(string Name, Sample Fp32, Sample Bf16)
{
    /// <summary>fp32 median / bf16 median: above 1, bf16 is faster.</summary>
    public double Speedup => Fp32.Median / Bf16.Median;
}

/// <summary>
/// What `arbor bench precision` measured: the products, the model forward, the training steps, how far bf16 moves the
/// velocity, and the pretraining batch's loss in both precisions (the shipped base, before any timed step).
/// </summary>
public sealed record PrecisionBenchResult(IReadOnlyList<PrecisionRow> Rows, double VelocityMaxAbsDiff,
    double VelocityMaxAbs, double VelocityRmsDiff,
    double VelocityRms, string CpuFeatures)
{
    /// <summary>The pretraining batch's flow-matching loss under the shipped base in each precision (no step taken).</summary>
    public double PretrainLossFp32 { get; init; } = double.NaN;
    public double PretrainLossBf16 { get; init; } = double.NaN;
    /// <summary>The pretraining step's row (<see cref="PrecisionTrainingSteps.Pretrain"/>), and its images per step.</summary>
    public PrecisionRow? PretrainStep { get; init; }
    public int PretrainBatch { get; init; }
    /// <summary>The RL training row (<see cref="PrecisionTrainingSteps.Rl"/>), and its rollout nodes per call.</summary>
    public PrecisionRow? RlStep { get; init; }
    public long RlNodes { get; init; }
}

/// <summary>
/// fp32 vs bf16 (<see cref="ComputePrecision"/>) on this machine's libtorch: bare matrix products with operands already in
/// bf16 (issue #20's shapes: the kernel alone), the DiT's products at its rollout shapes with the casts
/// <see cref="ComputePrecision"/> adds, and the rollout forward itself (the guided velocity of a batch of nodes as
/// <see cref="RolloutEngine"/> computes it: prepared text, CFG as one doubled batch, no gradient). Each round times both
/// precisions, fp32 first in even rounds, so drift and a busy neighbour hit both alike. Then the training steps
/// (<see cref="PrecisionTrainingSteps"/>): a pretraining step of <c>pretrainBatch</c> images with AdamW, and the RL
/// training forward and backward of the rollout row's nodes through LoRA adapters.
/// </summary>
public static class PrecisionBenchmark
{
    public static PrecisionBenchResult Run(TextToImagePipeline pipeline, int images, double guidance, int rounds, int reps,
        int pretrainBatch = 64, ulong seed = 0)
    {
        var model = pipeline.Model;
        var cfg = model.Config;
        using var noGrad = Torch.NoGrad();
        using var data = Torch.NewScope();
        using var gen = new Generator(seed);
        var splits = new ShapesSplits();
        var prompts = TaskFamilies.All.SelectMany(f => splits.RlPrompts(f).Take(2)).Select(s => s.ToText()).ToList();
        using var conditioning = new PromptConditioning(pipeline, prompts, guidance);
        using var text = conditioning.Prepare(model);
        var x = Torch.Randn([images, .. model.SampleShape], gen);
        var t = Torch.Rand([images], gen) * 0.9 + 0.05;
        var promptIndex = Torch.FromArray(Enumerable.Range(0, images).Select(i => (long)(i % prompts.Count)).ToArray());
        long rows = images * conditioning.ForwardsPerNode;

        Tensor Forward() => conditioning.Velocity(model, x, t, promptIndex, text);

        // accuracy first, on the inputs the timing uses
        Tensor v32, v16;
        using (var scope = Torch.NewScope())
        {
            v32 = scope.MoveToOuter(Forward());
            using (ComputePrecision.Use(Precision.Bf16)) v16 = scope.MoveToOuter(Forward());
        }
        var diff = v16 - v32;
        double maxDiff = diff.Abs().Max().Item(), maxAbs = v32.Abs().Max().Item();
        double rmsDiff = Math.Sqrt(diff.Square().Mean().Item()), rms = Math.Sqrt(v32.Square().Mean().Item());

        // (name, fp32 body, bf16 body): a null bf16 body runs the fp32 one under ComputePrecision bf16
        var ops = new List<(string Name, Func<Tensor> Body, Func<Tensor>? Bf16Body)>();
        foreach (var (m, k, n) in new[] { (4096L, 256L, 256L), (4096L, 256L, 1024L), (1024L, 1024L, 1024L) })
        {
            var a32 = Torch.Randn([m, k], gen);
            var b32 = Torch.Randn([k, n], gen);
            var a16 = a32.To(DType.BFloat16);
            var b16 = b32.To(DType.BFloat16);
            ops.Add(($"matmul {m}x{k}·{k}x{n}, operands already bf16", () => a32.Matmul(b32), () => a16.Matmul(b16)));
        }
        long d = cfg.Dim, patches = cfg.ImageSize / cfg.PatchSize * (cfg.ImageSize / cfg.PatchSize), tokens = rows * patches;
        long h = cfg.Heads, dh = d / h, l = cfg.Text.MaxTokens, mlp = cfg.MlpRatio * d;
        void AddLinear(string name, long m, long inF, long outF)
        {
            var input = Torch.Randn([m, inF], gen);
            var weight = Torch.Randn([outF, inF], gen) * (1.0 / Math.Sqrt(inF));
            var bias = Torch.Randn([outF], gen);
            ops.Add(($"DiT linear {name} [{m}x{inF}]·[{inF}x{outF}] + casts", () => F.Linear(input, weight, bias), null));
        }
        AddLinear("q/out", tokens, d, d);
        AddLinear("kv (self)", tokens, d, 2 * d);
        AddLinear("fc1", tokens, d, mlp);
        AddLinear("fc2", tokens, mlp, d);
        AddLinear("adaLN", rows, d, 9 * d);
        var q = Torch.Randn([rows, h, patches, dh], gen);
        var key = Torch.Randn([rows, h, patches, dh], gen);
        var value = Torch.Randn([rows, h, patches, dh], gen);
        var kText = Torch.Randn([rows, h, l, dh], gen);
        var vText = Torch.Randn([rows, h, l, dh], gen);
        var mask = Torch.Rand([rows, 1, 1, l], gen).Lt(0.7);
        ops.Add(($"DiT self-attention [{rows}x{h}x{patches}x{dh}]", () => F.ScaledDotProductAttention(q, key, value), null));
        ops.Add(($"DiT cross-attention over {l} masked tokens", () => F.ScaledDotProductAttention(q, kText, vText, mask), null));
        ops.Add(($"DiT forward: guided velocity of {images} nodes (CFG: {rows} rows)", Forward, null));

        // the training steps, on copies of the base (the rows above keep its weights)
        using var steps = new PrecisionTrainingSteps(pipeline, pretrainBatch, conditioning, x, t, promptIndex, seed);
        double loss32 = steps.PretrainLoss(), loss16;
        using (ComputePrecision.Use(Precision.Bf16)) loss16 = steps.PretrainLoss();
        int pretrainOp = ops.Count;
        ops.Add(($"DiT pretraining step: {pretrainBatch} images, forward + backward + clip + AdamW", steps.Pretrain, null));
        int rlOp = ops.Count;
        ops.Add(($"DiT RL training: LoRA forward + backward of {images} nodes (CFG: {rows} rows)", steps.Rl, null));

        var fp32 = ops.Select(_ => new List<double>()).ToList();
        var bf16 = ops.Select(_ => new List<double>()).ToList();
        for (int round = 0; round < rounds; round++)
        {
            for (int o = 0; o < ops.Count; o++)
            {
                var (_, body, bf16Body) = ops[o];
                void Timed(bool low)
                {
                    var run = low && bf16Body is not null ? bf16Body : body;
                    using var precision = ComputePrecision.Use(low && bf16Body is null ? Precision.Bf16 : Precision.Fp32);
                    (low ? bf16 : fp32)[o].AddRange(Measure.Seconds(() =>
                    {
                        using var s = Torch.NewScope();
                        run();
                    }, reps).Values);
                }
                Timed(low: round % 2 == 1);
                Timed(low: round % 2 == 0);
            }
        }
        var result = ops.Select((op, o) => new PrecisionRow(op.Name, new Sample([.. fp32[o]]), new Sample([.. bf16[o]]))).ToList();
        return new PrecisionBenchResult(result, maxDiff, maxAbs, rmsDiff, rms, CpuFeatures())
        {
            PretrainLossFp32 = loss32, PretrainLossBf16 = loss16,
            PretrainStep = result[pretrainOp], PretrainBatch = pretrainBatch, RlStep = result[rlOp], RlNodes = steps.RlNodes,
        };
    }

    /// <summary>The CPU flags a fast bf16 product needs (<see cref="Tensors.CpuFeatures.HasBf16MatrixUnits"/>).</summary>
    public static string CpuFeatures() => Arbor.Tensors.CpuFeatures.Describe();
}

