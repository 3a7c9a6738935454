package dev.attune.kernel;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * In-place inverse of a dense symmetric positive-definite matrix (LAPACK {@code dpotrf} + {@code dpotri}
 * in Java), used for the EASE Gram matrix.
 *
 * <p>Algorithm, on panels of {@value #PANEL} columns, with only {@code a} itself as working storage:
 * <ol>
 *   <li>Cholesky A = L Lᵀ, right-looking: factor the diagonal block, solve the panel below it against
 *       that block (TRSM), then subtract the panel's outer product from the lower triangle of the
 *       trailing matrix (SYRK). L overwrites the lower triangle.
 *   <li>U = L⁻ᵀ (upper triangular), right-looking by column panel: finish the panel by a TRSM against
 *       the diagonal block of L, then subtract its contribution from every later column (GEMM). The
 *       strict upper triangle holds U, a length-n vector its diagonal.
 *   <li>A⁻¹ = U Uᵀ as a sum of one SYRK per column panel of U into the lower triangle, which L no longer
 *       needs, and finally a mirror of the lower triangle onto the upper.
 * </ol>
 * Every SYRK/GEMM packs its two panels into strips of {@code 2 × lanes} rows stored depth-major, and a
 * register-blocked micro-kernel (4 rows × 2 vectors of accumulators, fused multiply-add) computes each
 * 4 × {@code 2 lanes} block of the output from them. The output is cut into tiles of
 * {@value #TILE_ROWS} × {@value #TILE_COLS}; within a tile the kernel walks the output along its rows
 * (which the hardware prefetches from memory) while the tile's part of the right panel stays in L2 and
 * four rows of the left panel in L1. Worker threads take whole tiles from a shared counter, and wait for
 * each other between panels.
 *
 * <p>Results do not depend on the thread count: each output element is computed by one thread with a
 * fixed order of operations. The Vector API ({@code jdk.incubator.vector}) runs the micro-kernel and the
 * triangular solves when the module is present (see {@link VectorOps}); otherwise a scalar version with
 * the same operation order runs, which gives bit-identical results more slowly. Set the system property
 * {@code attune.scalar=true} to force the scalar version.
 *
 * <p>Accuracy is that of LAPACK's {@code dpotri}: the error relative to the inverse's norm is of the
 * order of the condition number times the double epsilon.
 *
 * @implNote Costs n³ floating-point operations (n³/3 for each phase) and allocates two panel buffers of
 *     about n × {@value #PANEL} doubles and one of n doubles; no n × n buffer. With 2 threads on a 2-core
 *     AVX2 machine it runs at 40–50 GFLOP/s (n = 3,260 in 0.8 s, n = 12,101 in about 35 s), 20 to 30 times
 *     EJML's {@code CommonOps_DDRM.invertSPD}; the first call in a JVM adds about 1 s while the Vector API
 *     kernels are compiled.
 */
public final class SpdInverse {
  /** Panel width (the depth of every SYRK/GEMM update). */
  static final int PANEL = 160;
  /** Rows in one work tile of an update; a multiple of {@link #MR}. */
  static final int TILE_ROWS = 128;
  /** Columns in one work tile of an update (rounded up to a strip). */
  static final int TILE_COLS = 256;
  /** Rows computed by one micro-kernel call. */
  private static final int MR = 4;
  /** Whether the Vector API kernels run; decided once at class load. */
  private static final boolean SIMD = simdAvailable();

  private SpdInverse() {}

  private static boolean simdAvailable() {
    if (Boolean.getBoolean("attune.scalar")) {
      return false;
    }
    if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) {
      return false;
    }
    try {
      return Simd.LANES >= 2;
    } catch (LinkageError e) {
      return false;
    }
  }

  /** Name of the micro-kernel in use: {@code "vector"} (JDK Vector API) or {@code "scalar"}. */
  public static String implementation() {
    return SIMD ? "vector" : "scalar";
  }

  /**
   * Replaces {@code a} with its inverse.
   *
   * <p>{@code a} holds an n × n symmetric positive-definite matrix in row-major order in its first n²
   * elements; only the lower triangle (column ≤ row) is read. On return those elements hold the full
   * symmetric inverse (both triangles). If the matrix is not positive definite (or holds NaN) an
   * exception is thrown and the contents of {@code a} are unspecified.
   *
   * <p>Thread-safe for distinct arrays; {@code a} must not be read or written by others during the call.
   * Uses the calling thread and {@code threads - 1} short-lived helper threads; the result is identical
   * for every {@code threads}.
   *
   * @implNote n³ flops; see the class notes for the algorithm and memory.
   * @param a row-major matrix, length ≥ n²; overwritten
   * @param n order of the matrix, ≥ 0
   * @param threads threads to use, ≥ 1 (typically {@code Runtime.getRuntime().availableProcessors()})
   * @throws IllegalArgumentException if the matrix is not positive definite, or on bad n, threads or
   *     array length
   */
  public static void invertInPlace(double[] a, int n, int threads) {
    invertInPlace(a, n, threads, SIMD, PANEL, TILE_ROWS, TILE_COLS);
  }

  /**
   * {@link #invertInPlace(double[], int, int)} with an explicit kernel choice and blocking, for tests
   * and tuning. {@code simd} is ignored (scalar runs) when the Vector API is absent.
   */
  static void invertInPlace(double[] a, int n, int threads, boolean simd, int panel, int tileRows,
      int tileCols) {
    if (a == null) {
      throw new IllegalArgumentException("matrix array is null");
    }
    if (n < 0) {
      throw new IllegalArgumentException("n must be >= 0: " + n);
    }
    if ((long) n * n > a.length) {
      throw new IllegalArgumentException(
          "array of length " + a.length + " cannot hold a " + n + " x " + n + " matrix");
    }
    if (threads < 1) {
      throw new IllegalArgumentException("threads must be >= 1: " + threads);
    }
    if (panel < 1 || tileRows < MR || tileRows % MR != 0 || tileCols < 1) {
      throw new IllegalArgumentException(
          "bad blocking: panel " + panel + ", tile " + tileRows + " x " + tileCols);
    }
    if (n == 0) {
      return;
    }
    boolean vector = simd && SIMD;
    try (Workers workers = new Workers(threads)) {
      new Run(a, n, workers, vector, panel, tileRows, tileCols).invert();
    }
  }

  /** The state of one inversion: the matrix, the blocking and the panel buffers. */
  private static final class Run {
    private final double[] a;
    private final int n;
    private final Workers workers;
    private final boolean simd;
    /** Strip width: the rows of a packed panel that share one depth-major block; 2 vectors. */
    private final int nr;
    private final int nb;
    private final int tileRows;
    private final int tileCols;
    /** Strips handled by one task in the pack/solve passes. */
    private final int stripsPerTask;
    /** Packed panels (left and right operand), each strips × depth × nr. */
    private final double[] p;
    private final double[] q;
    /** Diagonal of U = L⁻ᵀ while the strict upper triangle holds the rest. */
    private final double[] d;

    Run(double[] a, int n, Workers workers, boolean simd, int nb, int tileRows, int tileCols) {
      this.a = a;
      this.n = n;
      this.workers = workers;
      this.simd = simd;
      this.nr = simd ? 2 * Simd.LANES : 8;
      this.nb = Math.min(nb, n);
      this.tileRows = tileRows;
      this.tileCols = ceilDiv(tileCols, nr) * nr;
      this.stripsPerTask = Math.max(1, 64 / nr);
      int padded = ceilDiv(n, nr) * nr;
      this.p = new double[padded * this.nb];
      this.q = new double[padded * this.nb];
      this.d = new double[n];
    }

    void invert() {
      factor();
      invertFactor();
      multiplyFactor();
      mirrorLower();
    }

    // ---- phase 1: A = L Lᵀ ----

    private void factor() {
      for (int c = 0; c < n; c += nb) {
        int w = Math.min(nb, n - c);
        int e = c + w;
        factorDiagonal(c, w);
        int m = n - e;
        if (m == 0) {
          break;
        }
        int strips = ceilDiv(m, nr);
        int col = c;
        workers.run(ceilDiv(strips, stripsPerTask), t -> {
          int first = t * stripsPerTask;
          int end = Math.min(strips, first + stripsPerTask);
          for (int s = first; s < end; s++) {
            pack(p, e, n, s, col, w);
          }
          solveStrips(first, end, w, col);
          for (int s = first; s < end; s++) {
            unpack(p, e, n, s, col, w);
          }
        });
        update(e, n, e, n, true, p, p, w, true);
      }
    }

    /** Unblocked Cholesky of the w × w diagonal block at (c, c), lower triangle, in place. */
    private void factorDiagonal(int c, int w) {
      for (int j = 0; j < w; j++) {
        int rj = (c + j) * n + c;
        double s = a[rj + j];
        for (int k = 0; k < j; k++) {
          s -= a[rj + k] * a[rj + k];
        }
        if (!(s > 0)) {
          throw new IllegalArgumentException("matrix is not positive definite: pivot " + (c + j) + " of "
              + n + " is " + s + " (if it is a Gram matrix, raise the regularization)");
        }
        double ljj = Math.sqrt(s);
        a[rj + j] = ljj;
        for (int i = j + 1; i < w; i++) {
          int ri = (c + i) * n + c;
          double t = a[ri + j];
          for (int k = 0; k < j; k++) {
            t -= a[ri + k] * a[rj + k];
          }
          a[ri + j] = t / ljj;
        }
      }
    }

    // ---- phase 2: U = L⁻ᵀ in the strict upper triangle and d ----

    private void invertFactor() {
      zeroStrictUpper();
      for (int c = 0; c < n; c += nb) {
        int w = Math.min(nb, n - c);
        int e = c + w;
        int col = c;
        int leftTasks = ceilDiv(ceilDiv(e, nr), stripsPerTask);
        int rightStrips = ceilDiv(n - e, nr);
        int rightTasks = ceilDiv(rightStrips, stripsPerTask);
        workers.run(leftTasks + rightTasks, t -> {
          if (t < leftTasks) {
            // Rows [0, e) of U's column panel: rows above the block hold the accumulated right-hand side,
            // rows of the block start from the identity (U_KK = L_KK⁻ᵀ).
            int first = t * stripsPerTask;
            int end = Math.min(ceilDiv(e, nr), first + stripsPerTask);
            for (int s = first; s < end; s++) {
              pack(p, 0, e, s, col, w);
              setDiagonalRows(p, s, col, w, false);
            }
            solveStrips(first, end, w, col);
            for (int s = first; s < end; s++) {
              unpackU(s, col, w);
            }
          } else {
            for (int s = (t - leftTasks) * stripsPerTask, end = Math.min(rightStrips, s + stripsPerTask);
                s < end; s++) {
              pack(q, e, n, s, col, w);
            }
          }
        });
        if (e < n) {
          update(0, e, e, n, false, p, q, w, true);
        }
      }
    }

    /**
     * Overwrites the packed rows of strip s that fall in the diagonal block [c, c + w): with the identity
     * ({@code withD} false) or with U's block, its diagonal taken from d ({@code withD} true).
     */
    private void setDiagonalRows(double[] dst, int s, int c, int w, boolean withD) {
      int base = s * w * nr;
      for (int r = 0; r < nr; r++) {
        int row = s * nr + r;
        if (row < c || row >= c + w) {
          continue;
        }
        int diag = row - c;
        for (int k = 0; k < diag; k++) {
          dst[base + k * nr + r] = 0;
        }
        dst[base + diag * nr + r] = withD ? d[row] : 1;
        if (!withD) {
          for (int k = diag + 1; k < w; k++) {
            dst[base + k * nr + r] = 0;
          }
        }
      }
    }

    /** Writes strip s of U's column panel back: strict upper part into a, diagonal into d. */
    private void unpackU(int s, int c, int w) {
      int base = s * w * nr;
      for (int r = 0; r < nr; r++) {
        int row = s * nr + r;
        if (row >= c + w) {
          break;
        }
        int from = row < c ? 0 : row - c + 1;
        if (row >= c) {
          d[row] = p[base + (row - c) * nr + r];
        }
        int ro = row * n + c;
        for (int k = from; k < w; k++) {
          a[ro + k] = p[base + k * nr + r];
        }
      }
    }

    // ---- phase 3: A⁻¹ = U Uᵀ into the lower triangle ----

    private void multiplyFactor() {
      zeroLower();
      for (int c = 0; c < n; c += nb) {
        int w = Math.min(nb, n - c);
        int e = c + w;
        int col = c;
        int strips = ceilDiv(e, nr);
        workers.run(ceilDiv(strips, stripsPerTask), t -> {
          for (int s = t * stripsPerTask, end = Math.min(strips, s + stripsPerTask); s < end; s++) {
            pack(p, 0, e, s, col, w);
            setDiagonalRows(p, s, col, w, true);
          }
        });
        update(0, e, 0, e, true, p, p, w, false);
      }
    }

    // ---- packing, solves, updates ----

    /**
     * Packs strip s of the panel rows [rowStart, rowEnd) × columns [col, col + w) of a, depth-major:
     * element (rowStart + s·nr + r, col + k) goes to dst[s·w·nr + k·nr + r]; rows past rowEnd are zero.
     */
    private void pack(double[] dst, int rowStart, int rowEnd, int s, int col, int w) {
      int base = s * w * nr;
      for (int r = 0; r < nr; r++) {
        int row = rowStart + s * nr + r;
        if (row < rowEnd) {
          int ro = row * n + col;
          for (int k = 0; k < w; k++) {
            dst[base + k * nr + r] = a[ro + k];
          }
        } else {
          for (int k = 0; k < w; k++) {
            dst[base + k * nr + r] = 0;
          }
        }
      }
    }

    /** Inverse of {@link #pack} for the rows below rowEnd. */
    private void unpack(double[] src, int rowStart, int rowEnd, int s, int col, int w) {
      int base = s * w * nr;
      for (int r = 0; r < nr; r++) {
        int row = rowStart + s * nr + r;
        if (row >= rowEnd) {
          break;
        }
        int ro = row * n + col;
        for (int k = 0; k < w; k++) {
          a[ro + k] = src[base + k * nr + r];
        }
      }
    }

    /**
     * Solves x Lᵀ = b in place for each row of the packed strips [first, end) of p, with L the w × w lower
     * block at (c, c).
     */
    private void solveStrips(int first, int end, int w, int c) {
      int s = first;
      if (simd) {
        for (; s + 1 < end; s += 2) {
          Simd.solveStrips(p, s * w * nr, (s + 1) * w * nr, w, a, c * n + c, n);
        }
      }
      for (; s < end; s++) {
        if (simd) {
          Simd.solveStrip(p, s * w * nr, w, a, c * n + c, n);
        } else {
          solveStripScalar(p, s * w * nr, w, nr, a, c * n + c, n);
        }
      }
    }

    /**
     * C ± X Yᵀ for C = a[r0, r1) × [c0, c1) (only column ≤ row if {@code lower}), X and Y the packed
     * panels whose row 0 is row r0 (column c0) of C, depth w. Subtracts when {@code subtract}.
     */
    private void update(int r0, int r1, int c0, int c1, boolean lower, double[] x, double[] y, int w,
        boolean subtract) {
      int rowTiles = ceilDiv(r1 - r0, tileRows);
      int colTiles = ceilDiv(c1 - c0, tileCols);
      int[] tiles = new int[rowTiles * colTiles];
      int count = 0;
      for (int ti = 0; ti < rowTiles; ti++) {
        int lastRow = Math.min(r1, r0 + (ti + 1) * tileRows) - 1;
        for (int tj = 0; tj < colTiles; tj++) {
          if (!lower || c0 + tj * tileCols <= lastRow) {
            tiles[count++] = ti * colTiles + tj;
          }
        }
      }
      workers.run(count, t -> updateTile(tiles[t] / colTiles, tiles[t] % colTiles, r0, r1, c0, c1, lower, x, y, w,
          subtract));
    }

    private void updateTile(int ti, int tj, int r0, int r1, int c0, int c1, boolean lower, double[] x, double[] y,
        int w, boolean subtract) {
      int iStart = r0 + ti * tileRows;
      int iEnd = Math.min(r1, iStart + tileRows);
      int jStart = c0 + tj * tileCols;
      int jEnd = Math.min(c1, jStart + tileCols);
      double[] scratch = null;
      // Row groups outside, strips inside: C is walked along its rows, which the hardware prefetches,
      // while the tile's strips of y stay in L2 and the group's rows of x in L1.
      for (int i = iStart; i < iEnd; i += MR) {
        int ri = i - r0;
        int xo = ri / nr * w * nr + ri % nr;
        boolean rowsFull = i + MR <= r1;
        // In the lower triangle, strips starting at or after i + MR lie wholly above the diagonal.
        int jLimit = lower ? Math.min(jEnd, i + MR) : jEnd;
        for (int j = jStart; j < jLimit; j += nr) {
          int yo = (j - c0) / nr * w * nr;
          if (rowsFull && j + nr <= c1 && (!lower || j + nr - 1 <= i)) {
            kernel(x, xo, y, yo, w, a, i * n + j, n, subtract);
          } else {
            if (scratch == null) {
              scratch = new double[MR * nr];
            } else {
              java.util.Arrays.fill(scratch, 0);
            }
            kernel(x, xo, y, yo, w, scratch, 0, nr, false);
            for (int r = 0; r < MR && i + r < r1; r++) {
              int row = i + r;
              int last = Math.min(c1, j + nr) - 1;
              if (lower) {
                last = Math.min(last, row);
              }
              for (int col = j; col <= last; col++) {
                double v = scratch[r * nr + col - j];
                a[row * n + col] = subtract ? a[row * n + col] - v : a[row * n + col] + v;
              }
            }
          }
        }
      }
    }

    private void kernel(double[] x, int xo, double[] y, int yo, int w, double[] c, int co, int ldc, boolean subtract) {
      if (simd) {
        Simd.kernel(x, xo, y, yo, w, c, co, ldc, subtract);
      } else {
        kernelScalar(x, xo, y, yo, w, nr, c, co, ldc, subtract);
      }
    }

    // ---- bookkeeping passes ----

    private void zeroStrictUpper() {
      int blocks = ceilDiv(n, 64);
      workers.run(blocks, t -> {
        for (int i = t * 64, end = Math.min(n, i + 64); i < end; i++) {
          java.util.Arrays.fill(a, i * n + i + 1, (i + 1) * n, 0);
        }
      });
    }

    private void zeroLower() {
      int blocks = ceilDiv(n, 64);
      workers.run(blocks, t -> {
        for (int i = t * 64, end = Math.min(n, i + 64); i < end; i++) {
          java.util.Arrays.fill(a, i * n, i * n + i + 1, 0);
        }
      });
    }

    /** Copies the lower triangle onto the upper, in 64 × 64 blocks. */
    private void mirrorLower() {
      int blocks = ceilDiv(n, 64);
      workers.run(blocks, t -> {
        int i0 = t * 64;
        int i1 = Math.min(n, i0 + 64);
        for (int j0 = 0; j0 < i1; j0 += 64) {
          for (int i = i0; i < i1; i++) {
            int jEnd = Math.min(i, j0 + 64);
            for (int j = j0; j < jEnd; j++) {
              a[j * n + i] = a[i * n + j];
            }
          }
        }
      });
    }
  }

  private static int ceilDiv(int x, int y) {
    return (x + y - 1) / y;
  }

  // ---- scalar kernels: the same operation order as Simd, so results are bit-identical ----

  /** Scalar twin of {@link Simd#kernel}. */
  static void kernelScalar(double[] x, int xo, double[] y, int yo, int w, int nr, double[] c, int co, int ldc,
      boolean subtract) {
    double[] acc = new double[MR * nr];
    for (int k = 0; k < w; k++) {
      int xk = xo + k * nr;
      int yk = yo + k * nr;
      for (int r = 0; r < MR; r++) {
        double xr = x[xk + r];
        for (int j = 0; j < nr; j++) {
          acc[r * nr + j] = Math.fma(xr, y[yk + j], acc[r * nr + j]);
        }
      }
    }
    for (int r = 0; r < MR; r++) {
      for (int j = 0; j < nr; j++) {
        int o = co + r * ldc + j;
        c[o] = subtract ? c[o] - acc[r * nr + j] : c[o] + acc[r * nr + j];
      }
    }
  }

  /** Scalar twin of {@link Simd#solveStrip}. */
  static void solveStripScalar(double[] x, int xo, int w, int nr, double[] l, int lo, int ldl) {
    for (int lane = 0; lane < nr; lane++) {
      for (int j = 0; j < w; j++) {
        int row = lo + j * ldl;
        double s0 = 0;
        double s1 = 0;
        int k = 0;
        for (; k + 1 < j; k += 2) {
          s0 = Math.fma(l[row + k], x[xo + k * nr + lane], s0);
          s1 = Math.fma(l[row + k + 1], x[xo + (k + 1) * nr + lane], s1);
        }
        if (k < j) {
          s0 = Math.fma(l[row + k], x[xo + k * nr + lane], s0);
        }
        int o = xo + j * nr + lane;
        x[o] = (x[o] - (s0 + s1)) / l[row + j];
      }
    }
  }

  /**
   * Vector API kernels. Only touched when the {@code jdk.incubator.vector} module is present, so the
   * enclosing class links without it.
   */
  private static final class Simd {
    private static final VectorSpecies<Double> S = DoubleVector.SPECIES_PREFERRED;
    static final int LANES = S.length();

    private Simd() {}

    /**
     * c[co + r·ldc + j] ∓= Σ_k x[xo + k·nr + r] · y[yo + k·nr + j] for r in [0, 4), j in [0, nr), with
     * nr = 2 × LANES; each sum runs over k in order with fused multiply-adds, starting from zero.
     */
    static void kernel(double[] x, int xo, double[] y, int yo, int w, double[] c, int co, int ldc, boolean subtract) {
      final int l = LANES;
      final int nr = 2 * l;
      DoubleVector c00 = DoubleVector.zero(S);
      DoubleVector c01 = DoubleVector.zero(S);
      DoubleVector c10 = DoubleVector.zero(S);
      DoubleVector c11 = DoubleVector.zero(S);
      DoubleVector c20 = DoubleVector.zero(S);
      DoubleVector c21 = DoubleVector.zero(S);
      DoubleVector c30 = DoubleVector.zero(S);
      DoubleVector c31 = DoubleVector.zero(S);
      int xk = xo;
      int yk = yo;
      for (int k = 0; k < w; k++, xk += nr, yk += nr) {
        DoubleVector b0 = DoubleVector.fromArray(S, y, yk);
        DoubleVector b1 = DoubleVector.fromArray(S, y, yk + l);
        DoubleVector a0 = DoubleVector.broadcast(S, x[xk]);
        c00 = a0.fma(b0, c00);
        c01 = a0.fma(b1, c01);
        DoubleVector a1 = DoubleVector.broadcast(S, x[xk + 1]);
        c10 = a1.fma(b0, c10);
        c11 = a1.fma(b1, c11);
        DoubleVector a2 = DoubleVector.broadcast(S, x[xk + 2]);
        c20 = a2.fma(b0, c20);
        c21 = a2.fma(b1, c21);
        DoubleVector a3 = DoubleVector.broadcast(S, x[xk + 3]);
        c30 = a3.fma(b0, c30);
        c31 = a3.fma(b1, c31);
      }
      store(c, co, c00, c01, subtract);
      store(c, co + ldc, c10, c11, subtract);
      store(c, co + 2 * ldc, c20, c21, subtract);
      store(c, co + 3 * ldc, c30, c31, subtract);
    }

    private static void store(double[] c, int o, DoubleVector v0, DoubleVector v1, boolean subtract) {
      DoubleVector t0 = DoubleVector.fromArray(S, c, o);
      DoubleVector t1 = DoubleVector.fromArray(S, c, o + LANES);
      if (subtract) {
        t0.sub(v0).intoArray(c, o);
        t1.sub(v1).intoArray(c, o + LANES);
      } else {
        t0.add(v0).intoArray(c, o);
        t1.add(v1).intoArray(c, o + LANES);
      }
    }

    /**
     * Solves x Lᵀ = b in place for the nr = 2 × LANES rows of a packed strip (x[xo + j·nr + lane]),
     * L lower triangular at l[lo + j·ldl + k]: x_j = (b_j − Σ_{k&lt;j} L_jk x_k) / L_jj, the sum split
     * into even and odd k.
     */
    static void solveStrip(double[] x, int xo, int w, double[] l, int lo, int ldl) {
      final int lanes = LANES;
      final int nr = 2 * lanes;
      for (int j = 0; j < w; j++) {
        int row = lo + j * ldl;
        DoubleVector s0a = DoubleVector.zero(S);
        DoubleVector s0b = DoubleVector.zero(S);
        DoubleVector s1a = DoubleVector.zero(S);
        DoubleVector s1b = DoubleVector.zero(S);
        int k = 0;
        for (; k + 1 < j; k += 2) {
          int o = xo + k * nr;
          DoubleVector l0 = DoubleVector.broadcast(S, l[row + k]);
          s0a = l0.fma(DoubleVector.fromArray(S, x, o), s0a);
          s0b = l0.fma(DoubleVector.fromArray(S, x, o + lanes), s0b);
          DoubleVector l1 = DoubleVector.broadcast(S, l[row + k + 1]);
          s1a = l1.fma(DoubleVector.fromArray(S, x, o + nr), s1a);
          s1b = l1.fma(DoubleVector.fromArray(S, x, o + nr + lanes), s1b);
        }
        if (k < j) {
          int o = xo + k * nr;
          DoubleVector l0 = DoubleVector.broadcast(S, l[row + k]);
          s0a = l0.fma(DoubleVector.fromArray(S, x, o), s0a);
          s0b = l0.fma(DoubleVector.fromArray(S, x, o + lanes), s0b);
        }
        double ljj = l[row + j];
        int o = xo + j * nr;
        DoubleVector.fromArray(S, x, o).sub(s0a.add(s1a)).div(ljj).intoArray(x, o);
        DoubleVector.fromArray(S, x, o + lanes).sub(s0b.add(s1b)).div(ljj).intoArray(x, o + lanes);
      }
    }

    /**
     * {@link #solveStrip} for two strips at once (more independent sums in flight); each lane gets
     * exactly the same operations as there.
     */
    static void solveStrips(double[] x, int xo, int xo2, int w, double[] l, int lo, int ldl) {
      final int lanes = LANES;
      final int nr = 2 * lanes;
      for (int j = 0; j < w; j++) {
        int row = lo + j * ldl;
        DoubleVector s0a = DoubleVector.zero(S);
        DoubleVector s0b = DoubleVector.zero(S);
        DoubleVector s1a = DoubleVector.zero(S);
        DoubleVector s1b = DoubleVector.zero(S);
        DoubleVector t0a = DoubleVector.zero(S);
        DoubleVector t0b = DoubleVector.zero(S);
        DoubleVector t1a = DoubleVector.zero(S);
        DoubleVector t1b = DoubleVector.zero(S);
        int k = 0;
        for (; k + 1 < j; k += 2) {
          int o = xo + k * nr;
          int o2 = xo2 + k * nr;
          DoubleVector l0 = DoubleVector.broadcast(S, l[row + k]);
          s0a = l0.fma(DoubleVector.fromArray(S, x, o), s0a);
          s0b = l0.fma(DoubleVector.fromArray(S, x, o + lanes), s0b);
          t0a = l0.fma(DoubleVector.fromArray(S, x, o2), t0a);
          t0b = l0.fma(DoubleVector.fromArray(S, x, o2 + lanes), t0b);
          DoubleVector l1 = DoubleVector.broadcast(S, l[row + k + 1]);
          s1a = l1.fma(DoubleVector.fromArray(S, x, o + nr), s1a);
          s1b = l1.fma(DoubleVector.fromArray(S, x, o + nr + lanes), s1b);
          t1a = l1.fma(DoubleVector.fromArray(S, x, o2 + nr), t1a);
          t1b = l1.fma(DoubleVector.fromArray(S, x, o2 + nr + lanes), t1b);
        }
        if (k < j) {
          int o = xo + k * nr;
          int o2 = xo2 + k * nr;
          DoubleVector l0 = DoubleVector.broadcast(S, l[row + k]);
          s0a = l0.fma(DoubleVector.fromArray(S, x, o), s0a);
          s0b = l0.fma(DoubleVector.fromArray(S, x, o + lanes), s0b);
          t0a = l0.fma(DoubleVector.fromArray(S, x, o2), t0a);
          t0b = l0.fma(DoubleVector.fromArray(S, x, o2 + lanes), t0b);
        }
        double ljj = l[row + j];
        int o = xo + j * nr;
        int o2 = xo2 + j * nr;
        DoubleVector.fromArray(S, x, o).sub(s0a.add(s1a)).div(ljj).intoArray(x, o);
        DoubleVector.fromArray(S, x, o + lanes).sub(s0b.add(s1b)).div(ljj).intoArray(x, o + lanes);
        DoubleVector.fromArray(S, x, o2).sub(t0a.add(t1a)).div(ljj).intoArray(x, o2);
        DoubleVector.fromArray(S, x, o2 + lanes).sub(t0b.add(t1b)).div(ljj).intoArray(x, o2 + lanes);
      }
    }
  }

  /** The calling thread plus {@code threads - 1} helpers, for the duration of one inversion. */
  private static final class Workers implements AutoCloseable {
    private final int threads;
    private final ExecutorService pool;

    Workers(int threads) {
      this.threads = threads;
      this.pool = threads == 1 ? null : Executors.newFixedThreadPool(threads - 1, r -> {
        Thread t = new Thread(r, "attune-spd-inverse");
        t.setDaemon(true);
        return t;
      });
    }

    /** Runs task(t) for every t in [0, tasks), in any order and on any thread; returns when all are done. */
    void run(int tasks, IntConsumer task) {
      if (pool == null || tasks <= 1) {
        for (int t = 0; t < tasks; t++) {
          task.accept(t);
        }
        return;
      }
      AtomicInteger next = new AtomicInteger();
      Runnable worker = () -> {
        for (int t = next.getAndIncrement(); t < tasks; t = next.getAndIncrement()) {
          task.accept(t);
        }
      };
      int helpers = Math.min(threads, tasks) - 1;
      Future<?>[] futures = new Future<?>[helpers];
      for (int h = 0; h < helpers; h++) {
        futures[h] = pool.submit(worker);
      }
      Throwable failure = null;
      try {
        worker.run();
      } catch (RuntimeException | Error e) {
        failure = e;
      }
      boolean interrupted = false;
      for (Future<?> f : futures) {
        while (true) {
          try {
            f.get();
            break;
          } catch (InterruptedException e) {
            interrupted = true; // finish waiting: helpers are still writing into the caller's array
          } catch (ExecutionException e) {
            if (failure == null) {
              failure = e.getCause();
            }
            break;
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
      if (failure instanceof RuntimeException re) {
        throw re;
      }
      if (failure instanceof Error err) {
        throw err;
      }
      if (failure != null) {
        throw new IllegalStateException(failure);
      }
    }

    @Override
    public void close() {
      if (pool != null) {
        pool.shutdown();
      }
    }
  }
}
