using System.Text.Json.Nodes;
using Arbor.Tensors;
using Spectre.Console;

namespace Arbor.Cli.Commands.Bench;

/// <summary>Each side's results, one per round; <paramref name="Problem"/> is why PyTorch's stopped, if they did.</summary>
internal sealed record PyTorchRounds<T>(IReadOnlyList<T> Arbor, IReadOnlyList<JsonObject> PyTorch, string? Problem);

/// <summary>
/// Runs a bench's Arbor side and its PyTorch reference in rounds, so that machine noise hits both alike. A PyTorch
/// that fails is not run again (its failure is a setup problem, not noise); Arbor's rounds go on without it.
/// </summary>
internal static class PyTorchRounds
{
    /// <summary>--python none: Arbor's side alone.</summary>
    public static bool Skipped(string python) => python == "none";

    /// <summary>A bench's first line: how it measured, with which libtorch, when.</summary>
    public static void PrintHeader(string titleMarkup, int threads, int rounds, int reps) =>
        AnsiConsole.MarkupLine($"{titleMarkup}: threads {threads}, {rounds} rounds x {reps} reps, libtorch " +
            $"{TorchRuntime.LibTorchVersion}, {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC");

    /// <param name="alternate">
    /// Arbor first in even rounds, PyTorch first in odd ones: with a fixed order, a machine that slows down over a
    /// round (thermal, a neighbour starting) always penalises the same side. Without it, Arbor always goes first.
    /// </param>
    /// <param name="pytorch">The reference's result for a round (by its index), or null with the reason it could not run.</param>
    public static PyTorchRounds<T> Run<T>(int rounds, string python, bool alternate, Func<T> arbor,
        Func<int, (JsonObject? Result, string? Problem)> pytorch) where T : class
    {
        var arborRounds = new List<T>();
        var pytorchRounds = new List<JsonObject>();
        string? problem = Skipped(python) ? "skipped (--python none)" : null;
        for (int round = 0; round < rounds; round++)
        {
            var arborFirst = !alternate || round % 2 == 0 ? arbor() : null;
            if (problem is null)
            {
                var (result, why) = pytorch(round);
                problem = why;
                if (result is not null) pytorchRounds.Add(result);
            }
            arborRounds.Add(arborFirst ?? arbor());
        }
        return new(arborRounds, pytorchRounds, problem);
    }
}
