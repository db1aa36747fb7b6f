using Arbor.Tensors;
using Arbor.Tensors.NN;

namespace Arbor.Cli.Bench;

/// <summary>
/// Measures a BLAS-bound workload (transformer step: linear layers) and an intra-op-bound one
/// (3x3 convolutions: oneDNN on libtorch's OpenMP pool) under one thread split.
/// </summary>
public static class ThreadStudy
{
    public static (Sample Transformer, Sample Conv) Run(int intraOp, int blas, int reps)
    {
        TorchRuntime.SetThreads(intraOp, blas);
        using var data = Torch.NewScope();
        using var gen = new Generator(0);
        using var model = new Sequential(new BenchTransformerBlock(256, 4, gen), new BenchTransformerBlock(256, 4, gen));
        var x = Torch.Randn([32, 64, 256], gen);
        var step = Measure.Seconds(() =>
        {
            using var s = Torch.NewScope();
            foreach (var p in model.Parameters()) p.Grad = null;
            model.Forward(x).Square().Mean().Backward();
        }, reps);

        using var conv = new Sequential(new Conv2d(64, 64, 3, padding: 1, generator: gen), Activation.Silu(),
            new Conv2d(64, 64, 3, padding: 1, generator: gen));
        var img = Torch.Randn([16, 64, 32, 32], gen);
        var convTime = Measure.Seconds(() =>
        {
            using var s = Torch.NewScope();
            foreach (var p in conv.Parameters()) p.Grad = null;
            conv.Forward(img).Square().Mean().Backward();
        }, reps);
        return (step, convTime);
    }
}
