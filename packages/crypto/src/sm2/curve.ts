/**
 * Arithmetic on a short Weierstrass curve y² = x³ + ax + b over F_p with BigInt, for SM2.
 * Points are kept in Jacobian coordinates (X, Y, Z) ~ (X/Z², Y/Z³) so that no step but the
 * last needs a field inversion.
 *
 * BigInt operations do not run in constant time, so this is not a side-channel-hardened
 * implementation. What can be done at this level is done for secret scalars: the fixed-base
 * multiplication always performs the same sequence of additions (a zero digit is added to a
 * dummy accumulator), and inverses of secret values use Fermat's exponent, whose sequence of
 * operations does not depend on the value.
 */

/** Curve domain parameters; the cofactor is 1 for every curve used here. */
export interface Curve {
  readonly name: string;
  readonly p: bigint;
  readonly a: bigint;
  readonly b: bigint;
  readonly n: bigint;
  readonly gx: bigint;
  readonly gy: bigint;
  /** Bytes of a field element and of a scalar (32 for the 256-bit curves). */
  readonly size: number;
}

export interface AffinePoint {
  readonly x: bigint;
  readonly y: bigint;
}

/** The SM2 recommended curve of GB/T 32918.5-2017 (GM/T 0003.5-2012), OID 1.2.156.10197.1.301. */
export const SM2_P256: Curve = {
  name: 'sm2p256v1',
  p: 0xfffffffeffffffffffffffffffffffffffffffff00000000ffffffffffffffffn,
  a: 0xfffffffeffffffffffffffffffffffffffffffff00000000fffffffffffffffcn,
  b: 0x28e9fa9e9d9f5e344d5a9e4bcf6509a7f39789f515ab8f92ddbcbd414d940e93n,
  n: 0xfffffffeffffffffffffffffffffffff7203df6b21c6052b53bbf40939d54123n,
  gx: 0x32c4ae2c1f1981195f9904466a39c9948fe30bbff2660be1715a4589334c74c7n,
  gy: 0xbc3736a2f4f6779c59bdcee36b692153d0a9877cc62a474002df32e52139f0a0n,
  size: 32,
};

/** Multiples of one point for fixed-base multiplication (see CurveMath.precompute). */
export interface PointTable {
  readonly rows: readonly (readonly AffinePoint[])[];
}

interface Jacobian {
  readonly x: bigint;
  readonly y: bigint;
  readonly z: bigint;
}

const INFINITY: Jacobian = { x: 1n, y: 1n, z: 0n };

/** v^e mod m by square-and-multiply; the sequence of operations depends only on e. */
export function powMod(v: bigint, e: bigint, m: bigint): bigint {
  let result = 1n;
  let base = ((v % m) + m) % m;
  for (let rest = e; rest > 0n; rest >>= 1n) {
    if (rest & 1n) result = (result * base) % m;
    base = (base * base) % m;
  }
  return result;
}

/** Inverse modulo a prime, for secret values (Fermat: v^(m-2)). */
export const invertSecret = (v: bigint, m: bigint): bigint => powMod(v, m - 2n, m);

/** Inverse modulo m by the extended Euclidean algorithm: faster, for public values only. */
export function invertPublic(v: bigint, m: bigint): bigint {
  let a = ((v % m) + m) % m;
  let b = m;
  let x0 = 1n;
  let x1 = 0n;
  while (b !== 0n) {
    const q = a / b;
    [a, b] = [b, a - q * b];
    [x0, x1] = [x1, x0 - q * x1];
  }
  if (a !== 1n) throw new RangeError('not invertible');
  return ((x0 % m) + m) % m;
}

/** Curve operations bound to one curve, with its table of multiples of G built on first use. */
export class CurveMath {
  private readonly p: bigint;
  private readonly aIsMinus3: boolean;
  private readonly windows: number;
  private gTable: PointTable | undefined;

  constructor(readonly curve: Curve) {
    this.p = curve.p;
    this.aIsMinus3 = curve.a === curve.p - 3n;
    this.windows = curve.size * 2;
  }

  private mod(v: bigint): bigint {
    const r = v % this.p;
    return r < 0n ? r + this.p : r;
  }

  isOnCurve({ x, y }: AffinePoint): boolean {
    const { p, a, b } = this.curve;
    if (x < 0n || x >= p || y < 0n || y >= p) return false;
    return this.mod(y * y - (x * x * x + a * x + b)) === 0n;
  }

  /** The point with this x and the y of the given parity (SEC 1 point decompression). */
  decompress(x: bigint, yOdd: boolean): AffinePoint | undefined {
    const { p, a, b } = this.curve;
    // The square root below is the closed form for p ≡ 3 (mod 4), true of the SM2 curves.
    if (p % 4n !== 3n || x < 0n || x >= p) return undefined;
    const rhs = this.mod(x * x * x + a * x + b);
    const root = powMod(rhs, (p + 1n) / 4n, p);
    if ((root * root) % p !== rhs) return undefined;
    const y = (root & 1n) === (yOdd ? 1n : 0n) ? root : this.mod(-root);
    return { x, y };
  }

  private double(P: Jacobian): Jacobian {
    if (P.z === 0n || P.y === 0n) return INFINITY;
    const p = this.p;
    const delta = (P.z * P.z) % p;
    const gamma = (P.y * P.y) % p;
    const beta = (P.x * gamma) % p;
    const alpha = this.aIsMinus3
      ? this.mod(3n * (((P.x - delta) * (P.x + delta)) % p))
      : this.mod(3n * P.x * P.x + this.curve.a * ((delta * delta) % p));
    const x = this.mod(alpha * alpha - 8n * beta);
    const y = this.mod(alpha * (4n * beta - x) - 8n * ((gamma * gamma) % p));
    const z = (2n * P.y * P.z) % p;
    return { x, y, z };
  }

  /** P + Q, Q in Jacobian coordinates. */
  private add(P: Jacobian, Q: Jacobian): Jacobian {
    if (P.z === 0n) return Q;
    if (Q.z === 0n) return P;
    const p = this.p;
    const pzz = (P.z * P.z) % p;
    const qzz = (Q.z * Q.z) % p;
    const u1 = (P.x * qzz) % p;
    const u2 = (Q.x * pzz) % p;
    const s1 = (((P.y * Q.z) % p) * qzz) % p;
    const s2 = (((Q.y * P.z) % p) * pzz) % p;
    return this.finishAdd(P, u1, u2, s1, s2, (P.z * Q.z) % p);
  }

  /** P + Q, Q affine (cheaper: Q's Z is 1). */
  private addAffine(P: Jacobian, Q: AffinePoint): Jacobian {
    if (P.z === 0n) return { x: Q.x, y: Q.y, z: 1n };
    const p = this.p;
    const pzz = (P.z * P.z) % p;
    const u2 = (Q.x * pzz) % p;
    const s2 = (((Q.y * P.z) % p) * pzz) % p;
    return this.finishAdd(P, P.x, u2, P.y, s2, P.z);
  }

  private finishAdd(P: Jacobian, u1: bigint, u2: bigint, s1: bigint, s2: bigint, zz: bigint) {
    const p = this.p;
    const h = this.mod(u2 - u1);
    const r = this.mod(s2 - s1);
    if (h === 0n) return r === 0n ? this.double(P) : INFINITY;
    const hh = (h * h) % p;
    const hhh = (h * hh) % p;
    const v = (u1 * hh) % p;
    const x = this.mod(r * r - hhh - 2n * v);
    const y = this.mod(r * (v - x) - s1 * hhh);
    return { x, y, z: (zz * h) % p };
  }

  private toAffine(P: Jacobian, invert: (v: bigint, m: bigint) => bigint): AffinePoint | undefined {
    if (P.z === 0n) return undefined;
    const zInv = invert(P.z, this.p);
    const zInv2 = (zInv * zInv) % this.p;
    return { x: (P.x * zInv2) % this.p, y: (((P.y * zInv2) % this.p) * zInv) % this.p };
  }

  /** Affine forms of many points with one inversion (Montgomery's trick). */
  private normalizeAll(points: readonly Jacobian[]): AffinePoint[] {
    const p = this.p;
    const prefix: bigint[] = [];
    let acc = 1n;
    for (const P of points) {
      prefix.push(acc);
      acc = (acc * P.z) % p;
    }
    let inv = invertPublic(acc, p);
    const out: AffinePoint[] = new Array<AffinePoint>(points.length);
    for (let i = points.length - 1; i >= 0; i--) {
      const P = points[i]!;
      const zInv = (inv * prefix[i]!) % p;
      inv = (inv * P.z) % p;
      const zInv2 = (zInv * zInv) % p;
      out[i] = { x: (P.x * zInv2) % p, y: (((P.y * zInv2) % p) * zInv) % p };
    }
    return out;
  }

  /**
   * table[i][j - 1] = j·16^i·P for j = 1..15: k·P is then one addition per hexadecimal digit
   * of k and no doubling (a fixed-base comb). About 10 ms to build for a 256-bit curve.
   */
  precompute(P: AffinePoint): PointTable {
    const rows: AffinePoint[][] = [];
    let base: Jacobian = { x: P.x, y: P.y, z: 1n };
    for (let i = 0; i < this.windows; i++) {
      const multiples: Jacobian[] = [base];
      for (let j = 2; j <= 15; j++) multiples.push(this.add(multiples[j - 2]!, base));
      rows.push(this.normalizeAll(multiples));
      base = this.double(this.double(this.double(this.double(base))));
    }
    return { rows };
  }

  /** G's table, built once per process on first use. */
  private baseTable(): PointTable {
    this.gTable ??= this.precompute({ x: this.curve.gx, y: this.curve.gy });
    return this.gTable;
  }

  private digitsOf(k: bigint): string {
    const digits = k.toString(16).padStart(this.windows, '0');
    if (k < 0n || digits.length !== this.windows) throw new RangeError('scalar out of range');
    return digits;
  }

  /** k·G for a secret scalar 0 < k < n; the same additions whatever the digits of k. */
  multiplyBase(k: bigint): AffinePoint {
    const { rows } = this.baseTable();
    const digits = this.digitsOf(k);
    let acc = INFINITY;
    let dummy = INFINITY;
    for (let i = 0; i < this.windows; i++) {
      const digit = parseInt(digits[this.windows - 1 - i]!, 16);
      const sum = this.addAffine(digit === 0 ? dummy : acc, rows[i]![(digit || 1) - 1]!);
      if (digit === 0) dummy = sum;
      else acc = sum;
    }
    const point = this.toAffine(acc, invertSecret);
    if (!point) throw new RangeError('k·G is the point at infinity');
    return point;
  }

  /**
   * u·G + v·Q for public scalars (signature verification); undefined for the point at infinity.
   * With Q's table, both products are combs; without, v·Q takes a 4-bit window (about 250
   * doublings, two thirds of the cost of a verification).
   */
  multiplyTwo(u: bigint, v: bigint, Q: AffinePoint, qTable?: PointTable): AffinePoint | undefined {
    const uG = this.combPublic(this.baseTable(), u);
    const vQ = qTable ? this.combPublic(qTable, v) : this.windowPublic(v, Q);
    return this.toAffine(this.add(vQ, uG), invertPublic);
  }

  private combPublic({ rows }: PointTable, k: bigint): Jacobian {
    const digits = this.digitsOf(k);
    let acc = INFINITY;
    for (let i = 0; i < this.windows; i++) {
      const digit = parseInt(digits[this.windows - 1 - i]!, 16);
      if (digit !== 0) acc = this.addAffine(acc, rows[i]![digit - 1]!);
    }
    return acc;
  }

  private windowPublic(k: bigint, Q: AffinePoint): Jacobian {
    const multiples: Jacobian[] = [{ x: Q.x, y: Q.y, z: 1n }];
    for (let j = 2; j <= 15; j++) multiples.push(this.add(multiples[j - 2]!, multiples[0]!));
    let acc = INFINITY;
    for (const char of this.digitsOf(k)) {
      acc = this.double(this.double(this.double(this.double(acc))));
      const digit = parseInt(char, 16);
      if (digit !== 0) acc = this.add(acc, multiples[digit - 1]!);
    }
    return acc;
  }
}

const maths = new WeakMap<Curve, CurveMath>();

/** The operations of a curve, sharing its precomputed table across callers. */
export function curveMath(curve: Curve): CurveMath {
  let math = maths.get(curve);
  if (!math) {
    math = new CurveMath(curve);
    maths.set(curve, math);
  }
  return math;
}
