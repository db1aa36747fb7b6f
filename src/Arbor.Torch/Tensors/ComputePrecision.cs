using System.Runtime.Serialization;

namespace Arbor.Tensors;

/// <summary>The element type the matrix products of a forward run in (config spelling: <c>fp32</c>, <c>bf16</c>).</summary>
public enum Precision
{
    /// <summary>Everything in float32: the reference, and every setting's default (evaluation included).</summary>
    [EnumMember(Value = "fp32")] Fp32,
    /// <summary>
    /// Matrix products in bfloat16 (inputs and weights cast, float32 accumulation inside the kernel, the product cast
    /// back to float32); norms, softmax, activations, residual adds and everything outside the products stay float32.
    /// </summary>
    [EnumMember(Value = "bf16")] Bf16,
    /// <summary>
    /// bf16 where this CPU has bf16 matrix units (<see cref="CpuFeatures.HasBf16MatrixUnits"/>), fp32 elsewhere: a setting
    /// for configs shipped to machines of any kind; resolved by <see cref="ComputePrecision.Resolve"/> when a scope opens.
    /// </summary>
    [EnumMember(Value = "auto")] Auto,
}

/// <summary>
/// The compute precision of this thread's matrix products, as a scope: <c>using (ComputePrecision.Use(Precision.Bf16)) { ... }</c>.
/// Read by <see cref="NN.F.Linear"/> (so by every <see cref="NN.Linear"/> and LoRA adapter) and by
/// <see cref="NN.F.ScaledDotProductAttention"/> (its QKᵀ and AV products); every other op is unaffected. Per thread,
/// as libtorch's grad mode is: a forward and the scope around it run on the same thread. Casts are differentiable, so
/// autograd works through a bf16 forward (its gradients are those of the bf16 products).
/// </summary>
public static class ComputePrecision
{
    [ThreadStatic] private static Precision _current;

    /// <summary>This thread's precision (<see cref="Precision.Fp32"/> outside any scope).</summary>
    public static Precision Current => _current;

    /// <summary>The element type products run in under <see cref="Current"/>, for float32 operands.</summary>
    internal static bool Bf16 => _current == Precision.Bf16;

    /// <summary>Sets this thread's precision (<see cref="Precision.Auto"/>
    /// resolved) until the returned scope is disposed (scopes nest).</summary>
    public static PrecisionScope Use(Precision precision)
    {
        var resolved = Resolve(precision);
        if (SlowPrecisionWarning(resolved, CpuFeatures.HasBf16MatrixUnits) is { } warning && Interlocked.Exchange(ref _slowWarned, 1) == 0)
            SlowBf16Warning?.Invoke(warning);
        return new(resolved);
    }

    /// <summary>The warning a scope of <paramref name="resolved"/> precision earns on a CPU with or without bf16 matrix
    /// units: <see cref="SlowBf16Message"/> for bf16 without them, else null.</summary>
    public static string? SlowPrecisionWarning(Precision resolved, bool hasBf16Units) =>
        resolved == Precision.Bf16 && !hasBf16Units ? SlowBf16Message : null;

    /// <summary>
    /// Told once per process, when a bf16 scope first opens on a CPU without bf16 matrix units: libtorch 1.13 then runs
    /// its bf16 products in a scalar fallback, measured 30x slower than fp32 for an nft iteration on a 2-core AVX2 AMD
    /// EPYC (364 s against 12 s, docs/BENCHMARKS.md). `arbor` prints it as a warning; a library user may log it.
    /// </summary>
    public static Action<string>? SlowBf16Warning { get; set; }

    /// <summary>What <see cref="SlowBf16Warning"/> is told.</summary>
    public const string SlowBf16Message = "bf16 was asked for on a CPU without bf16 matrix units (avx512_bf16 or AMX): its " +
        "products run in libtorch's scalar fallback, about 30x slower than fp32 here. Use precision auto (fp32 on this CPU) or fp32.";

    private static int _slowWarned;

    /// <summary>What <paramref name="precision"/> means on this machine: <see cref="Precision.Auto"/> becomes bf16 or fp32.</summary>
    public static Precision Resolve(Precision precision) =>
        precision != Precision.Auto ? precision : CpuFeatures.HasBf16MatrixUnits ? Precision.Bf16 : Precision.Fp32;

    /// <summary>The config and command-line spelling of <paramref name="precision"/> (fp32, bf16, auto), as its EnumMember says.</summary>
    public static string Name(Precision precision) => precision switch
    {
        Precision.Fp32 => "fp32",
        Precision.Bf16 => "bf16",
        Precision.Auto => "auto",
        _ => throw new ArgumentOutOfRangeException(nameof(precision), precision, null),
    };

    /// <summary>The precision spelled <paramref name="name"/> (<see cref="Name"/>'s inverse), or null for any other text.</summary>
    public static Precision? FromName(string name) =>
        Enum.GetValues<Precision>().Cast<Precision?>().FirstOrDefault(p => Name(p!.Value) == name);

    /// <summary>A float32 scope whatever encloses it: for computations whose meaning must not
    /// depend on a run's setting (the tree picture a run draws beside each evaluation).</summary>
    public static PrecisionScope Fp32() => new(Precision.Fp32);

    internal static Precision Set(Precision precision)
    {
        if (precision == Precision.Bf16) SignalStack.EnsureForThisThread();
        var previous = _current;
        _current = precision;
        return previous;
    }
}

/// <summary>Restores the previous <see cref="ComputePrecision.Current"/> when disposed; dispose it on the thread that made it.</summary>
public readonly struct PrecisionScope : IDisposable
{
    private readonly Precision _previous;
    internal PrecisionScope(Precision precision) => _previous = ComputePrecision.Set(precision);
    public void Dispose() => ComputePrecision.Set(_previous);
}
