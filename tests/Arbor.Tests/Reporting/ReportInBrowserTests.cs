using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Arbor.Advantages;
using Arbor.Imaging;
using Arbor.Reporting;
using Arbor.TestKit;

namespace Arbor.Tests.Reporting;

/// <summary>
/// A tiny run's report.html rendered in headless Chromium: it loads without console or resource errors, and every
/// chart, grid and tree picture is laid out and drawn (pixels other than the white background inside its box).
/// </summary>
public class ReportInBrowserTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private const int Width = 1280;
    private readonly TempDirectory _temp = new("arbor-report-browser-");
    public void Dispose() => _temp.Dispose();

    [Fact]
    public void TheReportLoadsWithoutErrorsAndEveryChartGridAndTreeIsDrawn()
    {
        Assert.True(File.Exists(Chromium),
            $"{Chromium} not found: the browser test needs Debian's chromium package; run scripts/setup to install it");
        var report = TinyRunReport();
        var html = File.ReadAllText(report);
        int charts = Regex.Matches(html, "role=\"img\"").Count;
        Assert.True(charts >= 6, $"expected the tiny run's charts, found {charts}");
        Assert.Contains("strict accuracy per family, before/after: in_distribution", html);
        Assert.DoesNotContain("0.000328", html);     // the loss axis reads nice ticks with a shared exponent

        // a copy with a probe: it records errors and console output from the first script on, and after load the
        // boxes of every top-level picture and whether each <img> decoded; --dump-dom returns it
        var probe = Path.Combine(_temp.Path, "probe.html");
        File.WriteAllText(probe, html
            .Replace("<head>", "<head><script>window.__errors=[];" +
                "addEventListener('error',e=>__errors.push('error: '+(e.message||(e.target&&e.target.outerHTML||'').slice(0,80))),true);" +
                "for(const k of ['error','warn','log','info'])" +
                "{const f=console[k];console[k]=(...a)=>{__errors.push('console.'+k+': '+a.join(' '));f.apply(console,a)}}</script>")
            .Replace("</body>", "<script>addEventListener('load',()=>{const r=[];" +
                "for(const e of document.querySelectorAll('body > div > svg, body > svg, body > img')){" +
                "const b=e.getBoundingClientRect();" +
                "r.push({tag:e.tagName.toLowerCase()," +
                "label:(e.querySelector('title')||{}).textContent||e.getAttribute('alt')||(e.previousElementSibling||{}).textContent||''," +
                "x:b.left+scrollX,y:b.top+scrollY,w:b.width,h:b.height," +
                "ok:e.tagName!=='IMG'||(e.complete&&e.naturalWidth>0)})}" +
                "const p=document.createElement('pre');p.id='probe';" +
                "p.textContent=JSON.stringify({errors:__errors,height:document.documentElement.scrollHeight,boxes:r});" +
                "document.body.appendChild(p)})</script></body>"));
        var (dom, log) = RunChromium(probe, "--dump-dom", 900);
        var json = Regex.Match(dom, "<pre id=\"probe\">(.*?)</pre>", RegexOptions.Singleline);
        Assert.True(json.Success, "the probe did not run: " + log);
        using var doc = JsonDocument.Parse(System.Net.WebUtility.HtmlDecode(json.Groups[1].Value));
        var errors = doc.RootElement.GetProperty("errors").EnumerateArray().Select(e => e.GetString()).ToList();
        Assert.True(errors.Count == 0, "the page logged: " + string.Join("; ", errors));
        Assert.DoesNotMatch("CONSOLE|Uncaught", log);
        var boxes = doc.RootElement.GetProperty("boxes").EnumerateArray().Select(b => (
            Tag: b.GetProperty("tag").GetString()!, Label: b.GetProperty("label").GetString()!, X: b.GetProperty("x").GetDouble(),
                Y: b.GetProperty("y").GetDouble(),
            W: b.GetProperty("w").GetDouble(), H: b.GetProperty("h").GetDouble(), Ok: b.GetProperty("ok").GetBoolean())).ToList();
        Assert.Equal(charts + 1, boxes.Count(b => b.Tag == "svg"));       // every chart and the tree picture
        Assert.Single(boxes, b => b.Tag == "img");                         // the evaluation grid
        Assert.All(boxes,
            b => Assert.True(b.Ok && b.W >= 40 && b.H >= 40, $"{b.Tag} '{b.Label}' is not shown ({b.W}×{b.H}, loaded {b.Ok})"));

        // the page itself (no probe), screenshot at its full height: inside every box, pixels other than the background
        int height = doc.RootElement.GetProperty("height").GetInt32();
        var shot = Path.Combine(_temp.Path, "shot.png");
        RunChromium(report, $"--screenshot={shot}", height);
        var image = PngDecoder.Read(shot);
        Assert.Equal(Width, image.Width);
        foreach (var b in boxes)
        {
            Assert.True(b.Y + b.H <= image.Height + 1, $"{b.Label} lies below the screenshot");
            double drawn = InkShare(image, b.X, b.Y, b.W, b.H);
            // the grid fills its box, the tree shows its thumbnails
            double needed = b.Tag == "img" ? 0.5 : b.Label.StartsWith("tree") ? 0.05 : 0.01;
            Assert.True(drawn >= needed, $"{b.Tag} '{b.Label}' at ({b.X}, {b.Y}) is blank: {drawn:P2} of its pixels are drawn");
        }
    }

    /// <summary>The share of pixels in a box that are not (near) white.</summary>
    private static double InkShare(Image8 img, double x, double y, double w, double h)
    {
        int x0 = (int)Math.Ceiling(x) + 1, y0 = (int)Math.Ceiling(y) + 1, x1 = Math.Min(img.Width, (int)(x + w) - 1),
            y1 = Math.Min(img.Height, (int)(y + h) - 1);
        long ink = 0, all = 0;
        for (int yy = y0; yy < y1; yy++)
        {
            for (int xx = x0; xx < x1; xx++)
            {
                all++;
                var p = img.Pixel(xx, yy);
                if (p[0] < 235 || p[1] < 235 || p[2] < 235) ink++;
            }
        }
        return all == 0 ? 0 : ink / (double)all;
    }

    private string TinyRunReport()
    {
        Directory.CreateDirectory(Path.Combine(_temp.Path, "samples"));
        var lines = new List<string>
        {
            """{"kind":"eval","iteration":0,"sets":{"in_distribution":{"n":8,"count":{"single_object":4,"counting":4}""" +
                ""","strict":{"single_object":0.5,"counting":0.25},"partial":{},"overall_strict":0.375,"overall_strict_sd":0.16""" +
                ""","overall_partial":0.5,"pass":"11000100","scores":[1,1,0,0,0,1,0,0]}}}""",
        };
        double[] losses = [0.000328, 0.000392, -0.00111, 0.0002];
        for (int i = 1; i <= 4; i++)
        {
            lines.Add($$$"""{"kind":"train","iteration":{{{i}}},"reward_mean":{{{0.2 + 0.05 * i}}},"reward_std":0.1""" +
                $$$""","loss":{{{losses[i - 1]}}},"approx_kl":{{{1e-6 * i}}},"kl":0,"clip_fraction":0.1,"zero_variance_share":0.25""" +
                $$$""","seconds_rollout":1,"seconds_reward":0.1,"seconds_train":2,"grad_norm":0.3,"signal":0.05}""");
        }
        lines.Add("""{"kind":"eval","iteration":4,"sets":{"in_distribution":{"n":8,"count":{"single_object":4,"counting":4}""" +
            ""","strict":{"single_object":0.75,"counting":0.5},"partial":{},"overall_strict":0.625,"overall_strict_sd":0.16""" +
            ""","overall_partial":0.7,"pass":"11100110","scores":[1,1,1,0,0,1,1,0]}}}""");
        File.WriteAllLines(Path.Combine(_temp.Path, "metrics.jsonl"), lines);
        PngEncoder.Write(Path.Combine(_temp.Path, "samples", "eval-000004.png"), Colourful(64, 0));

        var (forest, _, _, _) = Arbor.Tests.Advantages.TreeBackupTests.HandMadeTree();
        for (int i = 0; i < forest.Leaves.Count; i++) forest.Leaves[i].Reward = i;
        TreeBackup.Assign(forest, [0.5, -1.0, 1.5]);
        foreach (var (n, i) in forest.Nodes.Select((n, i) => (n, i))) n.Prediction = Colourful(16, i);
        File.WriteAllText(Path.Combine(_temp.Path, "samples", "tree-000004.svg"), TreePicture.Svg(forest, 0, 0, "hand-made tree"));
        return RunReport.Write(_temp.Path, "tiny run");
    }

    private static Image8 Colourful(int size, int seed)
    {
        var img = new Image8(size, size, 3);
        for (int y = 0; y < size; y++)
        {
            for (int x = 0; x < size; x++)
                img.SetPixel(x, y, (byte)(x * 255 / size), (byte)(y * 255 / size), (byte)(40 * seed % 200));
        }
        return img;
    }

    /// <summary>One headless Chromium run on a file, in its own profile directory; killed if it takes over a minute.</summary>
    private (string Stdout, string Stderr) RunChromium(string page, string action, int height)
    {
        var profile = Path.Combine(_temp.Path, "profile-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(profile);
        var psi = new ProcessStartInfo(Chromium) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in new[] { "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run",
                     "--disable-extensions", "--hide-scrollbars", "--force-device-scale-factor=1", "--enable-logging=stderr", "--v=0",
                     "--virtual-time-budget=5000",
                     $"--user-data-dir={profile}", $"--window-size={Width},{height}", action, new Uri(page).AbsoluteUri })
        {
            psi.ArgumentList.Add(a);
        }
        using var p = Process.Start(psi)!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        try
        {
            if (!p.WaitForExit(TimeSpan.FromSeconds(60)))
            {
                p.Kill(entireProcessTree: true);
                Assert.Fail($"chromium {action} took over 60 s");
            }
            p.WaitForExit();
            Assert.True(p.ExitCode == 0, $"chromium {action} exited {p.ExitCode}: {stderr.Result}");
            return (stdout.Result, stderr.Result);
        }
        finally
        {
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            try { Directory.Delete(profile, true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
        }
    }
}
