using Arbor.Tensors.NN;
using static Arbor.Tensors.Tests.Gradients.GradCheck;

namespace Arbor.Tensors.Tests.Gradients;

public class ConvGradTests
{
    [Fact]
    public void Conv2dPlainWithBias()
    {
        Check("conv2d 3x3", t => F.Conv2d(t[0], t[1], t[2]), Rand(60, 1, 2, 4, 4), Rand(61, 3, 2, 3, 3), Rand(62, 3));
    }

    [Fact]
    public void Conv2dWithoutBias()
    {
        Check("conv2d no bias, batch 2", t => F.Conv2d(t[0], t[1]), Rand(63, 2, 1, 4, 3), Rand(64, 2, 1, 2, 2));
    }

    [Fact]
    public void Conv2dStridePadding()
    {
        Check("conv2d stride 2 pad 1", t => F.Conv2d(t[0], t[1], t[2], stride: (2, 2), padding: (1, 1)),
            Rand(65, 1, 2, 5, 5), Rand(66, 2, 2, 3, 3), Rand(67, 2));
        Check("conv2d stride (1,2) pad (0,1)", t => F.Conv2d(t[0], t[1], t[2], stride: (1, 2), padding: (0, 1)),
            Rand(68, 1, 1, 4, 5), Rand(69, 2, 1, 2, 3), Rand(70, 2));
    }

    [Fact]
    public void Conv2dDilation()
    {
        Check("conv2d dilation 2", t => F.Conv2d(t[0], t[1], t[2], dilation: (2, 2)),
            Rand(71, 1, 1, 5, 5), Rand(72, 2, 1, 2, 2), Rand(73, 2));
        Check("conv2d dilation (2,1) pad 1", t => F.Conv2d(t[0], t[1], null, padding: (1, 1), dilation: (2, 1)),
            Rand(74, 1, 2, 4, 4), Rand(75, 1, 2, 2, 2));
    }

    [Fact]
    public void Conv2dGroups()
    {
        // 4 input channels in 2 groups: weight [out=4, in/groups=2, kh, kw].
        Check("conv2d groups 2", t => F.Conv2d(t[0], t[1], t[2], groups: 2),
            Rand(76, 1, 4, 3, 3), Rand(77, 4, 2, 2, 2), Rand(78, 4));
        // Depthwise, with stride and padding together.
        Check("conv2d depthwise stride 2 pad 1", t => F.Conv2d(t[0], t[1], t[2], stride: (2, 2), padding: (1, 1), groups: 3),
            Rand(79, 1, 3, 4, 4), Rand(80, 3, 1, 3, 3), Rand(81, 3));
    }

    [Fact]
    public void ConvTranspose2dPlainWithBias()
    {
        // weight [in, out/groups, kh, kw]
        Check("conv_transpose2d", t => F.ConvTranspose2d(t[0], t[1], t[2]),
            Rand(82, 1, 2, 3, 3), Rand(83, 2, 3, 2, 2), Rand(84, 3));
    }

    [Fact]
    public void ConvTranspose2dStrideOutputPadding()
    {
        Check("conv_transpose2d stride 2 outpad 1", t => F.ConvTranspose2d(t[0], t[1], t[2], stride: (2, 2), outputPadding: (1, 1)),
            Rand(85, 1, 2, 2, 3), Rand(86, 2, 2, 3, 3), Rand(87, 2));
        Check("conv_transpose2d stride 2 pad 1 outpad 1", t =>
                F.ConvTranspose2d(t[0], t[1], null, stride: (2, 2), padding: (1, 1), outputPadding: (1, 1)),
            Rand(88, 2, 1, 3, 2), Rand(89, 1, 2, 3, 3));
    }

    [Fact]
    public void ConvTranspose2dDilationAndGroups()
    {
        Check("conv_transpose2d dilation 2", t => F.ConvTranspose2d(t[0], t[1], t[2], dilation: (2, 2)),
            Rand(90, 1, 1, 3, 3), Rand(91, 1, 2, 2, 2), Rand(92, 2));
        Check("conv_transpose2d groups 2", t => F.ConvTranspose2d(t[0], t[1], t[2], stride: (2, 1), groups: 2),
            Rand(93, 1, 4, 2, 2), Rand(94, 4, 1, 2, 2), Rand(95, 2));
    }
}
