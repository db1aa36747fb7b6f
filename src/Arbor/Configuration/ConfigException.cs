namespace Arbor.Configuration;

/// <summary>A configuration problem: the message names the file, the key and what is wrong.</summary>
public sealed class ConfigException(string message, Exception? inner = null) : Exception(message, inner);
