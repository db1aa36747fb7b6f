namespace Arbor.Strategies;

/// <summary>
/// The shift schedule the windowed strategies share (ALGORITHMS.md §5.3, §5.4 "shift", §5.6): the window
/// starts at step 0, moves by <c>shiftBy</c> every <c>shiftEvery</c> iterations and wraps after
/// <c>starts</c> positions.
/// </summary>
public static class SlidingWindow
{
    public static int Start(long iteration, int shiftEvery, int starts, int shiftBy = 1) =>
        (int)(iteration / shiftEvery * shiftBy % starts);
}
