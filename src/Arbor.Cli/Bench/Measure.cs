using System.Diagnostics;

namespace Arbor.Cli.Bench;

/// <summary>Repeated timing and its summary: benchmarks report the median and the spread (min–max).</summary>
public sealed record Sample(double[] Values)
{
    public double Median
    {
        get
        {
            var s = Values.Order().ToArray();
            return s.Length % 2 == 1 ? s[s.Length / 2] : 0.5 * (s[s.Length / 2 - 1] + s[s.Length / 2]);
        }
    }

    public Sample Concat(Sample other) => new([.. Values, .. other.Values]);

    public double Min => Values.Min();
    public double Max => Values.Max();

    public string Format(string unit, string fmt = "F3") =>
        $"{Median.ToString(fmt)} {unit} ({Min.ToString(fmt)}–{Max.ToString(fmt)})";
}

public static class Measure
{
    /// <summary>Seconds per call of <paramref name="body"/>, one value per repetition of <paramref name="inner"/> calls.</summary>
    public static Sample Seconds(Action body, int reps, int inner = 1, int warmup = 1)
    {
        for (int i = 0; i < warmup; i++) body();
        var values = new double[reps];
        for (int r = 0; r < reps; r++)
        {
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < inner; i++) body();
            values[r] = clock.Elapsed.TotalSeconds / inner;
        }
        return new Sample(values);
    }

    public static Sample Map(this Sample s, Func<double, double> f) => new(s.Values.Select(f).ToArray());

    /// <summary>Seconds in ms to one decimal: the benches that time a few ms apiece (precision, checkpoint) print them alike.</summary>
    public static string FormatMilliseconds(this Sample seconds) => seconds.Map(x => x * 1e3).Format("ms", "F1");
}
