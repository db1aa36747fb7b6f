using System.Globalization;
using System.Text;
using Arbor.Configuration;
using Arbor.Evaluation;

namespace Arbor.Pretraining;

/// <summary>The model card written next to a pretrained model: what it is, how it was made, how well it does.</summary>
public static class ModelCard
{
    public const string FileName = "model-card.md";

    /// <param name="steps">Steps trained (less than config.Train.Steps when the run was finished early).</param>
    /// <param name="earlierCard">The card of the model this run continued (init_from), whose training it extends.</param>
    public static void Write(string directory, PretrainConfig config, long parameters, EvaluationReport? evaluation,
        double trainSeconds, string? gridFile,
        long? steps = null, string? earlierCard = null)
    {
        var inv = CultureInfo.InvariantCulture;
        var m = config.Model;
        var sb = new StringBuilder();
        sb.AppendLine("# Arbor Shapes base model").AppendLine();
        bool epsilon = m.Kind == Models.ModelKind.Epsilon;
        string origin = config.InitFrom.Length == 0 ? "from scratch"
            : config.InitFromOtherKind ? $"from `{config.InitFrom}`'s weights, converted from the other model kind,"
            : $"from `{config.InitFrom}`'s weights";
        sb.AppendLine($"A text-to-image {(epsilon ? "ε-prediction diffusion" : "rectified-flow")} DiT pretrained {origin} by " +
            "`arbor pretrain` on Arbor's procedural");
        sb.AppendLine("Shapes world. It is the starting point of Arbor's RL post-training (the base policy and " +
            "the KL reference).").AppendLine();
        sb.AppendLine("## Architecture").AppendLine();
        sb.AppendLine($"- DiT with adaLN-Zero blocks and cross-attention to text: {parameters.ToString("N0", inv)} parameters.");
        sb.AppendLine($"- Image {m.ImageSize}x{m.ImageSize}x{m.Channels}, patch {m.PatchSize} ({m.Tokens} tokens), width {m.Dim}, depth " +
            $"{m.Depth}, {m.Heads} heads, MLP x{m.MlpRatio}.");
        sb.AppendLine($"- Text encoder: word tokens (closed Shapes vocabulary), {m.Text.Depth} transformer layers of width {m.Text.Dim}, " +
            $"up to {m.Text.MaxTokens} tokens; pooled vector conditions adaLN, tokens feed cross-attention.");
        if (epsilon)
        {
            var d = m.Resolved().Diffusion!;
            string betas = d.Schedule == Models.AlphaBarShape.Linear
                ? $"linear β {d.BetaStart.ToString(inv)} → {d.BetaEnd.ToString(inv)}"
                : $"cosine ᾱ (s {d.CosineOffset.ToString(inv)}, β ≤ {d.MaxBeta.ToString(inv)})";
            sb.AppendLine($"- Prediction: noise ε on x_t = sqrt(ᾱ)·x0 + sqrt(1 − ᾱ)·ε, DDPM schedule of {d.Timesteps} timesteps, {betas} " +
                "(ALGORITHMS.md §6); sampled by DDIM. Weights: EMA.").AppendLine();
        }
        else
        {
            sb.AppendLine("- Prediction: velocity v ≈ ε − x0 on x_t = (1 − t)·x0 + t·ε (ALGORITHMS.md §1). Weights: EMA.").AppendLine();
        }
        sb.AppendLine("## Training").AppendLine();
        var t = config.Train;
        long done = steps ?? t.Steps;
        if (config.InitFrom.Length > 0)
        {
            string conversion = config.InitFromOtherKind
                ? " It converts them: they were trained for the other model kind's target, which this run re-learns."
                : "";
            sb.AppendLine($"- Continues the weights of `{config.InitFrom}` (its training is under \"Earlier training\" below) with a " +
                $"fresh optimizer and schedule.{conversion}");
        }
        string finished = done < t.Steps
            ? $" (finished early at step {done.ToString("N0", inv)} of a {t.Steps.ToString("N0", inv)}-step schedule)" : "";
        sb.AppendLine($"- {done.ToString("N0", inv)} steps{finished} x {t.BatchSize} images ({(done * t.BatchSize).ToString("N0", inv)} " +
            $"images), AdamW lr {t.LearningRate.ToString(inv)} (warm-up {t.WarmupSteps}, cosine to {t.MinLearningRate.ToString(inv)}), " +
            $"weight decay {t.WeightDecay.ToString(inv)}, grad clip {t.GradClip.ToString(inv)}, EMA {t.EmaDecay.ToString(inv)}.");
        string times = epsilon ? "Timesteps uniform over 1 … N (DDPM)"
            : $"Logit-normal t (mean {t.LogitNormalMean.ToString(inv)}, std {t.LogitNormalStd.ToString(inv)})";
        sb.AppendLine($"- {times}, caption dropout {t.CaptionDropout.ToString(inv)} (for classifier-free guidance).");
        // only a bf16 run says so: an fp32 card reads as every card before the setting existed
        if (Tensors.ComputePrecision.Resolve(t.Precision) == Tensors.Precision.Bf16)
        {
            sb.AppendLine($"- Matrix products in bf16 (train.precision " +
                $"{(t.Precision == Tensors.Precision.Auto ? "auto, on a CPU with bf16 matrix units" : "bf16")}); weights, gradients, " +
                $"AdamW state and the EMA in fp32.");
        }
        sb.AppendLine($"- Data: Shapes world, split seed {config.Data.Split.Seed}, seed {config.Seed}. Captions are realistically " +
            $"imperfect: mostly simple; counting, position and attribute binding rarer and sometimes under-specified; held-out " +
            $"color-shape combinations and position pairs never appear in training captions.");
        sb.AppendLine($"- Wall time: {(trainSeconds / 60).ToString("F0", inv)} min on the machine in docs/BENCHMARKS.md.").AppendLine();
        if (evaluation is not null)
        {
            sb.AppendLine("## Held-out accuracy").AppendLine();
            sb.AppendLine($"Verified from pixels by the Shapes verifier; {config.Eval.PromptsPerFamily} prompts per family in each " +
                $"held-out set, {config.Eval.Steps}-step {SamplerName(config.Eval.Sampler)} ODE, " +
                $"CFG {config.Eval.Guidance.ToString(inv)}, noise seed " +
                $"{config.Eval.Seed} (one seed per prompt). " +
                "in_distribution: prompts drawn as the RL prompts are, from a validation pool RL never trains on (the primary RL " +
                    "metric); compositional: the test split, combinations never captioned (colors, color_attr, position). ± is " +
                    "one binomial SD.").AppendLine();
            foreach (var set in evaluation.Sets)
            {
                sb.AppendLine($"### {set.Name} (n = {set.N})").AppendLine();
                if (set.Note() is { } note) sb.AppendLine($"Note: {note}.").AppendLine();
                sb.AppendLine("| family | n | strict | partial |").AppendLine("|---|---|---|---|");
                foreach (var (family, strict) in set.Strict)
                {
                    sb.AppendLine($"| {family} | {set.Count[family]} | {strict.ToString("P1", inv)} ± " +
                        $"{(set.StrictSd(family) * 100).ToString("F1", inv)} | {set.Partial[family].ToString("P1", inv)} |");
                }
                sb.AppendLine($"| **overall** (mean of families) | {set.N} | **{set.OverallStrict.ToString("P1", inv)}** ± " +
                    $"{(set.OverallStrictSd * 100).ToString("F1", inv)} | {set.OverallPartial.ToString("P1", inv)} |").AppendLine();
                if (set.Failures is { Count: > 0 } failures) AppendFailures(sb, failures);
            }
            if (gridFile is not null)
                sb.AppendLine($"![held-out samples ({evaluation.Primary.Name}), one row per family]({gridFile})").AppendLine();
        }
        sb.AppendLine("## Config").AppendLine().AppendLine("```yaml").Append(ConfigLoader.ToYaml(config)).AppendLine("```");
        if (earlierCard is not null)
        {
            // the earlier card's own sections, one heading level down
            int start = earlierCard.IndexOf("\n## ", StringComparison.Ordinal);
            var body = start < 0 ? earlierCard : earlierCard[(start + 1)..];
            sb.AppendLine().AppendLine($"## Earlier training (`{config.InitFrom}`)").AppendLine();
            foreach (var line in body.Split('\n'))
                sb.AppendLine(line.StartsWith('#') ? "#" + line.TrimEnd('\r') : line.TrimEnd('\r'));
        }
        File.WriteAllText(Path.Combine(directory, FileName), sb.ToString());
    }

    /// <summary>The evaluation's failure breakdown: one row per family, one column per reason that occurred.</summary>
    private static void AppendFailures(StringBuilder sb, IReadOnlyDictionary<string, Evaluation.FamilyFailures> failures)
    {
        var reasons = Arbor.Shapes.FailureReasons.Order(failures.Values.SelectMany(f => f.Reasons.Keys));
        sb.AppendLine("Why held-out prompts failed (failed prompts per reason; one prompt can fail for several):").AppendLine();
        sb.AppendLine("| family | failed | " + string.Join(" | ", reasons) + " |");
        sb.AppendLine("|---|---|" + string.Concat(reasons.Select(_ => "---|")));
        foreach (var (family, f) in failures)
        {
            sb.AppendLine($"| {family} | {f.Failed} / {f.Results} | " +
                string.Join(" | ", reasons.Select(r => f.Reasons.TryGetValue(r, out var n) ? n.ToString() : "·")) + " |");
        }
        sb.AppendLine();
    }

    private static string SamplerName(Arbor.Sampling.OdeSolver solver) => solver.ToString().ToLowerInvariant();
}
