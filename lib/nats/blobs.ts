/**
 * Pickles above the server's payload limit travel through a NATS object store: the message
 * carries only the object's name in a header, the object holds the (signed) envelope.
 *
 * @module
 */

import type { NatsConnection } from "@nats-io/transport-node";
import { type ObjectStore, Objm, StorageType } from "@nats-io/obj";

/** Header naming the object that holds the message's envelope. */
export const BLOB_HEADER = "Cloudpickle-Blob";

/** Room left in a message for its headers and the protocol. */
const HEADROOM = 4096;

/** The object store of a queue, opened (created) at the first big pickle. */
export class Blobs {
  private store: Promise<ObjectStore> | undefined;

  constructor(
    private readonly nc: NatsConnection,
    private readonly bucket: string,
    private readonly replicas: number,
  ) {}

  /** True when `n` bytes do not fit in one message of this server. */
  tooBig(n: number): boolean {
    const max = this.nc.info?.max_payload ?? 1024 * 1024;
    return n > max - HEADROOM;
  }

  private open(): Promise<ObjectStore> {
    if (this.store === undefined) {
      this.store = new Objm(this.nc).create(this.bucket, {
        replicas: this.replicas,
        storage: StorageType.File,
        ttl: 3_600_000_000_000, // an hour, for objects nobody deleted
      });
      this.store.catch(() => this.store = undefined);
    }
    return this.store;
  }

  /** Stores `bytes` under `name`. */
  async put(name: string, bytes: Uint8Array): Promise<void> {
    await (await this.open()).putBlob({ name }, bytes);
  }

  /** The bytes stored under `name`; throws when there are none. */
  async get(name: string): Promise<Uint8Array> {
    const b = await (await this.open()).getBlob(name);
    if (b === null) throw new Error(`the object ${name} is missing from ${this.bucket}`);
    return b;
  }

  /** Forgets `name` (errors ignored: the bucket's TTL removes leftovers). */
  async delete(name: string): Promise<void> {
    try {
      await (await this.open()).delete(name);
    } catch { /* gone already, or the server is away */ }
  }
}
