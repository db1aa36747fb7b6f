using System.Runtime.InteropServices;
using Arbor.Imaging;

namespace Arbor.Rewards;

/// <summary>JPEG encoding through Debian's libjpeg-turbo (TurboJPEG API), for the compressibility rewards.</summary>
public static unsafe partial class TurboJpeg
{
    private const string Lib = "libturbojpeg.so.0";
    private const int PixelFormatRgb = 0, PixelFormatGray = 6;
    private const int Subsampling420 = 2, SubsamplingGray = 3;

    [LibraryImport(Lib)] private static partial IntPtr tjInitCompress();
    [LibraryImport(Lib)] private static partial int tjDestroy(IntPtr handle);
    [LibraryImport(Lib)] private static partial void tjFree(IntPtr buffer);
    [LibraryImport(Lib)] private static partial IntPtr tjGetErrorStr2(IntPtr handle);
    [LibraryImport(Lib)]
    private static partial int tjCompress2(IntPtr handle, byte* src, int width, int pitch, int height, int pixelFormat,
        IntPtr* jpegBuf, nuint* jpegSize, int subsampling, int quality, int flags);

    /// <summary>The JPEG file size in bytes of an RGB or gray image at <paramref name="quality"/> (4:2:0, as PIL's default).</summary>
    public static long EncodedSize(Image8 image, int quality)
    {
        if (image.Channels is not (1 or 3)) throw new ArgumentException($"JPEG needs a gray or RGB image, got {image.Channels} channels");
        IntPtr handle;
        try { handle = tjInitCompress(); }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException("libjpeg-turbo (libturbojpeg.so.0) is not installed: apt-get install libturbojpeg0", e);
        }
        if (handle == IntPtr.Zero) throw new InvalidOperationException("tjInitCompress failed");
        try
        {
            IntPtr buffer = IntPtr.Zero;
            nuint size = 0;
            bool gray = image.Channels == 1;
            fixed (byte* src = image.Pixels)
            {
                int rc = tjCompress2(handle, src, image.Width, image.Width * image.Channels, image.Height,
                    gray ? PixelFormatGray : PixelFormatRgb, &buffer, &size, gray ? SubsamplingGray : Subsampling420, quality, 0);
                if (rc != 0)
                    throw new InvalidOperationException("JPEG compression failed: " + Marshal.PtrToStringUTF8(tjGetErrorStr2(handle)));
            }
            tjFree(buffer);
            return (long)size;
        }
        finally
        {
            tjDestroy(handle);
        }
    }
}
