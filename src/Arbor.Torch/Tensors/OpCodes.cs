namespace Arbor.Tensors;

/// <summary>Mirrors arb::Unary in native/src/shim_common.h, value for value.</summary>
internal enum UnaryOp
{
    Neg = 0, Abs, Exp, Log, Sqrt, Rsqrt, Sin, Cos, Tanh, Sigmoid, Relu, Silu,
    Square, Sign, Floor, Ceil, Round, Erf, Log1p, Expm1, Reciprocal, IsNan, IsFinite,
    LogicalNot, Softplus, Zero,
}

/// <summary>Mirrors arb::Binary in native/src/shim_common.h, value for value.</summary>
internal enum BinaryOp
{
    Add = 0, Sub, Mul, Div, Pow, Maximum, Minimum, Eq, Ne, Lt, Le, Gt, Ge,
    LogicalAnd, LogicalOr, Atan2, Remainder,
}

/// <summary>Mirrors the reduction codes of arb_reduce.</summary>
internal enum ReduceOp
{
    Sum = 0, Mean, Var, Std, AMax, AMin, ArgMax, ArgMin, Prod, LogSumExp, Any, All, Norm2,
}
