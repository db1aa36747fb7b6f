using Arbor.Tensors.Native;

namespace Arbor.Tensors;

public sealed partial class Tensor
{
    public bool RequiresGrad
    {
        get
        {
            var r = NativeMethods.arb_tensor_requires_grad(Handle);
            GC.KeepAlive(this);
            Check.Status(r);
            return r == 1;
        }
        set
        {
            Check.Status(NativeMethods.arb_set_requires_grad(Handle, value ? 1 : 0));
            GC.KeepAlive(this);
        }
    }

    /// <summary>Sets <see cref="RequiresGrad"/> and returns this tensor, for chaining.</summary>
    public Tensor RequiresGradInPlace(bool on = true)
    {
        RequiresGrad = on;
        return this;
    }

    public bool IsLeaf
    {
        get
        {
            var r = NativeMethods.arb_is_leaf(Handle);
            GC.KeepAlive(this);
            Check.Status(r);
            return r == 1;
        }
    }

    /// <summary>
    /// The accumulated gradient as a new handle to the same storage (owned like any new tensor), or null
    /// when none has been computed.
    /// </summary>
    public Tensor? Grad
    {
        get
        {
            var r = NativeMethods.arb_grad(Handle);
            GC.KeepAlive(this);
            if (r == IntPtr.Zero)
            {
                var error = Check.TakeError();
                if (error is not null) throw new TorchException(error);
                return null;
            }
            return new Tensor(r);
        }
        set
        {
            Check.Status(NativeMethods.arb_set_grad(Handle, value?.Handle ?? IntPtr.Zero));
            GC.KeepAlive(this);
            GC.KeepAlive(value);
        }
    }

    /// <summary>Backpropagates from this tensor (a scalar unless <paramref name="gradient"/> is given).</summary>
    public void Backward(Tensor? gradient = null, bool retainGraph = false)
    {
        Check.Status(NativeMethods.arb_backward(Handle, gradient?.Handle ?? IntPtr.Zero, retainGraph ? 1 : 0));
        GC.KeepAlive(this);
        GC.KeepAlive(gradient);
    }

    /// <summary>The same values, cut from the autograd graph.</summary>
    public Tensor Detach()
    {
        var r = NativeMethods.arb_detach(Handle);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    public Tensor Clone()
    {
        var r = NativeMethods.arb_clone(Handle);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    /// <summary>A second handle to the very same tensor (shared storage and autograd identity).</summary>
    public Tensor Alias()
    {
        var r = NativeMethods.arb_alias(Handle);
        GC.KeepAlive(this);
        return Wrap(r);
    }

    /// <summary>
    /// Replaces this tensor's data (values, dtype, device) by <paramref name="source"/>'s while keeping its
    /// identity: how modules move their parameters without invalidating references to them.
    /// </summary>
    public void SetData(Tensor source)
    {
        Check.Status(NativeMethods.arb_set_data(Handle, source.Handle));
        GC.KeepAlive(this);
        GC.KeepAlive(source);
        _shape = null;
    }

    // ---- conversion ----
    public Tensor To(DType dtype) => To(dtype, Device);
    public Tensor To(Device device) => To(DType, device);

    public Tensor To(DType dtype, Device device, bool copy = false)
    {
        var r = NativeMethods.arb_to(Handle, (int)dtype, (int)device.Type, device.Index, copy ? 1 : 0);
        GC.KeepAlive(this);
        return Wrap(r);
    }
}
