package dev.attune.server;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * A store read that callers share and wait for a bounded time: at most one runs at once (on a virtual thread of its
 * own), callers that come while it runs wait for the same result, and each waits at most what it can afford. A
 * store that does not answer (a database restart: the pool waits its whole connection timeout) then delays a
 * request by that bound rather than by the timeout, and starts no pile of reads.
 *
 * <p>Thread-safe.
 */
final class SharedCall<T> {
  private final Supplier<T> call;
  private final AtomicReference<CompletableFuture<T>> running = new AtomicReference<>();

  SharedCall(Supplier<T> call) {
    this.call = call;
  }

  /**
   * The result of the running call, or of a new one.
   *
   * @throws TimeoutException if it has not ended within {@code wait} (it goes on, for the next callers)
   * @throws RuntimeException the call's own
   */
  T get(Duration wait) throws TimeoutException {
    CompletableFuture<T> f = running.get();
    while (f == null) {
      CompletableFuture<T> mine = new CompletableFuture<>();
      if (running.compareAndSet(null, mine)) {
        Thread.startVirtualThread(() -> {
          try {
            mine.complete(call.get());
          } catch (Throwable e) {
            mine.completeExceptionally(e);
          } finally {
            running.compareAndSet(mine, null);
          }
        });
        f = mine;
      } else {
        f = running.get();
      }
    }
    try {
      return f.get(wait.toNanos(), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException r) throw r;
      if (e.getCause() instanceof Error r) throw r;
      throw new IllegalStateException(e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new TimeoutException("interrupted while waiting");
    }
  }
}
