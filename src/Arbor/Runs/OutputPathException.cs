namespace Arbor.Runs;

/// <summary>
/// An output path (a run directory, another command's <c>--out</c> directory or file) that cannot be used as asked: it
/// holds a run, holds someone else's files, is the wrong kind of entry, or is in use by another process. The message
/// names the path and the problem.
/// </summary>
public sealed class OutputPathException(string message) : Exception(message);
