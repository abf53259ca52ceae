// Types of scripts/nats.mjs for the tests.
export function findServer(): string | null;
export function up(o: {
  name?: string;
  cluster?: number;
  maxPayload?: number;
  install?: boolean;
}): Promise<{ name: string; urls: string[]; servers: { pid: number; port: number }[] }>;
export function down(o: { name?: string }): Promise<boolean>;
export function killServer(o: { name?: string; index?: number; signal?: string }): boolean;
export function status(o: { name?: string }): unknown;
