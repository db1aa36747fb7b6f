namespace Arbor.Training;

/// <summary>
/// What <see cref="BestWeights"/> carries across a resume (in the checkpoint's state.json): the reward means of the
/// last iterations (oldest first, at most the window), and the best window mean kept so far with the iterations done
/// when it was kept (null and −1: none yet).
/// </summary>
public sealed record BestWeightsState(double[] Recent, double? Score, long Iteration);

/// <summary>
/// Which weights a run keeps as its best (<c>train.keep_best</c>): at each checkpoint, the mean training reward of the
/// last <c>train.best_window</c> iterations against the best such mean so far. The training reward is the only
/// measurement every iteration pays for anyway, on prompts drawn fresh from the RL distribution, so it is an online
/// validation score that costs nothing; a window of 20 iterations of 96 images averages about 1,900 rewards. Why a run
/// wants it: RL runs that learn for a while can fall back late (the ε-base nft's seed 2 lost its colors family between
/// iterations 100 and 120, docs/BENCHMARKS.md), and the last weights are then not the run's best. The score lags the
/// weights by the window, and the best of many noisy windows is biased upward: it picks a checkpoint, it does not
/// measure one; the held-out evaluation of best/ does.
/// </summary>
public sealed class BestWeights
{
    private readonly int _window;
    private readonly Queue<double> _recent;

    public BestWeights(int window, BestWeightsState? state = null)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "the best-weights window must be >= 1");
        _window = window;
        _recent = new Queue<double>((state?.Recent ?? []).TakeLast(window));
        Score = state?.Score;
        Iteration = state?.Iteration ?? -1;
    }

    /// <summary>The best window mean kept so far (null before the first).</summary>
    public double? Score { get; private set; }

    /// <summary>The iterations done when the best weights were kept (−1 before the first).</summary>
    public long Iteration { get; private set; }

    /// <summary>Counts an iteration's mean reward; a non-finite one (a reward that failed) is not a score and is left out.</summary>
    public void Add(double rewardMean)
    {
        if (!double.IsFinite(rewardMean)) return;
        if (_recent.Count == _window) _recent.Dequeue();
        _recent.Enqueue(rewardMean);
    }

    /// <summary>
    /// Whether the weights after <paramref name="iterations"/> iterations are the best so far: a full window whose mean is
    /// above every earlier one's. If so, they become the best.
    /// </summary>
    public bool TryImprove(long iterations)
    {
        if (_recent.Count < _window) return false;
        double mean = _recent.Average();
        if (Score is { } best && !(mean > best)) return false;
        (Score, Iteration) = (mean, iterations);
        return true;
    }

    public BestWeightsState ToState() => new([.. _recent], Score, Iteration);
}
