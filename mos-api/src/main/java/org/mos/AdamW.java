// SPDX-License-Identifier: Apache-2.0
// AdamW: the optimizer over pool groups (only the pools are trainable; each pool counted once),
// global grad-norm clipping, step count and learning rate for schedules and resume.
package org.mos;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.mos.ffi.mos_h;

/**
 * AdamW (decoupled weight decay, bias-corrected moments; PyTorch's {@code torch.optim.AdamW}
 * update) over the pools of one or more {@link ShardPool}s, each counted once (method.md §5, §10.10):
 * <pre>
 *   p -= lr wd p;  m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2;
 *   p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
 * </pre>
 * Defaults (method.md §8): lr 2e-4 (the official code's default), betas 0.9 / 0.999, eps 1e-8,
 * weight decay 0. The paper clips the global gradient norm at 0.3 ({@link #clipGradNorm(float)})
 * and uses a linear schedule with 3% warm-up ({@link #setLr(float)} each step).
 *
 * <p>Lifetime: the optimizer keeps its pools alive.
 *
 * {@snippet :
 * try (MosContext ctx = MosContext.cpu();
 *      ShardPool pool = ShardPool.create(ctx, 64, 64, 8, MosConfig.defaults());
 *      AdamW opt = AdamW.builder().lr(1e-3f).weightDecay(0.01f).build(ctx)) {
 *   opt.addPool(pool);
 *   // ... forward / backward ...
 *   float norm = opt.clipGradNorm(0.3f);
 *   opt.step();
 *   opt.zeroGrad();
 * }
 * }
 */
public final class AdamW implements AutoCloseable {

  final NativeHandle handle;
  private final MosContext context;
  private final float beta1;
  private final float beta2;
  private final float eps;
  private final float weightDecay;
  private final List<ShardPool> pools = new ArrayList<>(); // guarded by the context lock

  private AdamW(MosContext context, MemorySegment address, Builder b) {
    this.handle = new NativeHandle("AdamW", address, mos_h::mos_optimizer_free, context.state);
    this.context = context;
    this.beta1 = b.beta1;
    this.beta2 = b.beta2;
    this.eps = b.eps;
    this.weightDecay = b.weightDecay;
  }

  /** An AdamW with the defaults (lr 2e-4, betas 0.9 / 0.999, eps 1e-8, weight decay 0). */
  public static AdamW create(MosContext ctx) {
    return builder().build(ctx);
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** The context of this optimizer. */
  public MosContext context() {
    return context;
  }

  /**
   * Adds a pool group (both pools, their gradients and moments) to optimize.
   *
   * @throws MosException INVALID_ARGUMENT when the pool was added already
   */
  public void addPool(ShardPool pool) {
    String fn = "AdamW.addPool";
    Native.notNull(pool, fn, "pool");
    Native.sameContext(fn, context, pool.context(), "pool");
    handle.call(h -> {
      int status = mos_h.mos_optimizer_add_pool(h, pool.handle.get());
      if (status == 0) {
        pools.add(pool);
      }
      return status;
    });
  }

  /** The pools added so far, in order. */
  public List<ShardPool> pools() {
    context.lock.lock();
    try {
      return Collections.unmodifiableList(new ArrayList<>(pools));
    } finally {
      context.lock.unlock();
    }
  }

  /**
   * The global L2 norm over the gradients of all pools (each once); if {@code maxNorm > 0} and the
   * norm exceeds it, scales all gradients by maxNorm / (norm + 1e-6)
   * ({@code torch.nn.utils.clip_grad_norm_}).
   *
   * @return the norm before clipping
   */
  public float clipGradNorm(float maxNorm) {
    return handle.query((h, a) -> {
      MemorySegment out = a.allocate(ValueLayout.JAVA_FLOAT);
      Native.check(mos_h.mos_optimizer_clip_grad_norm(h, maxNorm, out));
      return out.get(ValueLayout.JAVA_FLOAT, 0);
    });
  }

  /** The global gradient norm, without clipping. */
  public float gradNorm() {
    return clipGradNorm(0f);
  }

  /** One AdamW step on every added pool; increments {@link #stepCount()}. */
  public void step() {
    handle.call(mos_h::mos_optimizer_step);
  }

  /** Zeroes the gradients of every added pool. */
  public void zeroGrad() {
    handle.call(mos_h::mos_optimizer_zero_grad);
  }

  /** Steps taken (t of the bias correction). */
  public long stepCount() {
    return handle.query((h, a) -> {
      MemorySegment out = a.allocate(ValueLayout.JAVA_LONG);
      Native.check(mos_h.mos_optimizer_get_step(h, out));
      return out.get(ValueLayout.JAVA_LONG, 0);
    });
  }

  /** Sets the step count (checkpoint resume). */
  public void setStepCount(long step) {
    handle.call(h -> mos_h.mos_optimizer_set_step(h, step));
  }

  /** The current learning rate. */
  public float lr() {
    return handle.query((h, a) -> {
      MemorySegment out = a.allocate(ValueLayout.JAVA_FLOAT);
      Native.check(mos_h.mos_optimizer_get_lr(h, out));
      return out.get(ValueLayout.JAVA_FLOAT, 0);
    });
  }

  /** Sets the learning rate (for schedules). */
  public void setLr(float lr) {
    handle.call(h -> mos_h.mos_optimizer_set_lr(h, lr));
  }

  /** beta1. */
  public float beta1() {
    return beta1;
  }

  /** beta2. */
  public float beta2() {
    return beta2;
  }

  /** eps. */
  public float eps() {
    return eps;
  }

  /** The decoupled weight decay. */
  public float weightDecay() {
    return weightDecay;
  }

  /** Whether {@link #close()} was called. */
  public boolean isClosed() {
    return handle.isClosed();
  }

  /** Releases this handle; idempotent. */
  @Override
  public void close() {
    handle.close();
  }

  /**
   * Builds an {@link AdamW}; defaults per method.md §8. Values are checked by libmos on
   * {@link #build(MosContext)}.
   *
   * {@snippet :
   * AdamW.Builder b = AdamW.builder().lr(2e-4f).betas(0.9f, 0.999f).eps(1e-8f).weightDecay(0f);
   * }
   */
  public static final class Builder {
    private float lr = 2e-4f;
    private float beta1 = 0.9f;
    private float beta2 = 0.999f;
    private float eps = 1e-8f;
    private float weightDecay = 0f;

    private Builder() {}

    /** Learning rate; default 2e-4. */
    public Builder lr(float lr) {
      this.lr = lr;
      return this;
    }

    /** The moment decay rates; default 0.9 and 0.999. */
    public Builder betas(float beta1, float beta2) {
      this.beta1 = beta1;
      this.beta2 = beta2;
      return this;
    }

    /** The denominator's epsilon; default 1e-8. */
    public Builder eps(float eps) {
      this.eps = eps;
      return this;
    }

    /** Decoupled weight decay; default 0 (method.md §8). */
    public Builder weightDecay(float weightDecay) {
      this.weightDecay = weightDecay;
      return this;
    }

    /** The learning rate set so far. */
    public float lr() {
      return lr;
    }

    /** An optimizer in {@code ctx} with these settings and no pools yet. */
    public AdamW build(MosContext ctx) {
      Native.notNull(ctx, "AdamW.build", "ctx");
      MemorySegment address = ctx.handle.query((c, a) -> {
        MemorySegment out = Native.handleSlot(a);
        Native.check(mos_h.mos_optimizer_create_adamw(c, lr, beta1, beta2, eps, weightDecay, out));
        return Native.handleIn(out);
      });
      return new AdamW(ctx, address, this);
    }
  }
}
