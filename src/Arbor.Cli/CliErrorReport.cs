using System.Reflection;
using System.Text;
using Arbor.Configuration;
using Arbor.Rewards;
using Arbor.Shapes;
using Arbor.Tensors;
using Arbor.Tensors.Serialization;

namespace Arbor.Cli;

/// <summary>
/// What a user reads on stderr when a command fails. Arbor's errors already name the problem
/// (a config key, a file, a reward server), so the message is the report; a .NET stack trace under
/// it only buries that line. Exceptions that can only mean a bug in Arbor (a null dereference, an
/// index out of range) keep their trace, because that trace is what a bug report needs.
/// <c>ARBOR_TRACE=1</c> shows the trace for every error.
/// </summary>
public static class CliErrorReport
{
    /// <summary>Environment variable that, set to 1 or true, prints the stack trace of every error.</summary>
    public const string TraceVariable = "ARBOR_TRACE";

    /// <summary>Exit status of a command that failed with an error.</summary>
    public const int ExitCode = 1;

    public static bool TraceRequested() =>
        Environment.GetEnvironmentVariable(TraceVariable) is { } v && (v == "1" || v.Equals("true", StringComparison.OrdinalIgnoreCase));

    /// <summary>True for exception types that are never a user's mistake, only Arbor's.</summary>
    public static bool IsBug(Exception ex) => ex is NullReferenceException or IndexOutOfRangeException
        or InvalidCastException or ArgumentNullException or NotImplementedException or DivideByZeroException
        or ObjectDisposedException or AccessViolationException;

    /// <summary>
    /// Arbor's own errors compose a complete message from their cause (a config error names the file,
    /// line and key; YamlDotNet's "Exception during deserialization" under it adds nothing), so their
    /// inner exceptions are left to the trace.
    /// </summary>
    public static bool IsSelfContained(Exception ex) => ex is ConfigException or RewardServerException or Runs.OutputPathException
        or PromptParseException or SafetensorsFormatException or TorchException;

    /// <summary>
    /// "error: message", then one "  because: ..." line per inner exception that adds something
    /// (none under Arbor's own errors); the stack trace only for bugs or when <paramref name="showTrace"/> is set.
    /// </summary>
    public static string Format(Exception ex, bool showTrace)
    {
        var error = Unwrap(ex);
        var text = new StringBuilder("error: ").Append(error.Message);
        var said = error.Message;
        for (var inner = IsSelfContained(error) ? null : error.InnerException; inner is not null; inner = inner.InnerException)
        {
            if (said.Contains(inner.Message, StringComparison.Ordinal)) continue;   // already in the outer message
            text.Append("\n  because: ").Append(inner.Message);
            said += inner.Message;
        }
        if (IsBug(error))
            text.Append("\n\nThis is a bug in Arbor; please report it with the trace below.\n").Append(error);
        else if (showTrace)
            text.Append("\n\n").Append(error);
        return text.ToString();
    }

    /// <summary>The exception that carries the message: wrappers that only relay one are looked through.</summary>
    static Exception Unwrap(Exception ex) => ex switch
    {
        TargetInvocationException { InnerException: { } inner } => Unwrap(inner),
        AggregateException agg when agg.InnerExceptions.Count == 1 => Unwrap(agg.InnerExceptions[0]),
        _ => ex,
    };
}
