/**
 * Strict UTF-8 to UTF-16 decoding in JavaScript, for the reader's short strings and batches
 * (cheaper than a native decoder call for a few bytes on V8).
 *
 * @module
 */

/**
 * Decodes the UTF-8 bytes `buf[p..e)` into `units` from `k`; returns the new end of `units`,
 * or -1 at the first byte that is not part of a well-formed sequence (overlong forms, encoded
 * surrogates and code points past U+10FFFF included).
 */
export function utf8Units(
  buf: Uint8Array,
  p: number,
  e: number,
  units: Uint16Array,
  k: number,
): number {
  while (p < e) {
    const b = buf[p++];
    if (b < 0x80) {
      units[k++] = b;
    } else if (b < 0xe0) {
      if (b < 0xc2 || p >= e) return -1;
      const b1 = buf[p++];
      if ((b1 & 0xc0) !== 0x80) return -1;
      units[k++] = ((b & 0x1f) << 6) | (b1 & 0x3f);
    } else if (b < 0xf0) {
      if (p + 1 >= e) return -1;
      const b1 = buf[p];
      const b2 = buf[p + 1];
      p += 2;
      if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80) return -1;
      const c = ((b & 0x0f) << 12) | ((b1 & 0x3f) << 6) | (b2 & 0x3f);
      if (c < 0x800 || (c >= 0xd800 && c <= 0xdfff)) return -1;
      units[k++] = c;
    } else {
      if (b > 0xf4 || p + 2 >= e) return -1;
      const b1 = buf[p];
      const b2 = buf[p + 1];
      const b3 = buf[p + 2];
      p += 3;
      if ((b1 & 0xc0) !== 0x80 || (b2 & 0xc0) !== 0x80 || (b3 & 0xc0) !== 0x80) return -1;
      const c = ((b & 0x07) << 18) | ((b1 & 0x3f) << 12) | ((b2 & 0x3f) << 6) | (b3 & 0x3f);
      if (c < 0x10000 || c > 0x10ffff) return -1;
      units[k++] = 0xd7c0 + (c >> 10); // 0xd800 + ((c - 0x10000) >> 10)
      units[k++] = 0xdc00 | (c & 0x3ff);
    }
  }
  return k;
}
