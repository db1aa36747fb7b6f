namespace Arbor.Tensors;

/// <summary>An error raised inside libtorch (or the shim), carrying libtorch's own message.</summary>
public sealed class TorchException(string message) : Exception(message);
