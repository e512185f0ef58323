// web3.js and Anchor's client expect Node's Buffer; browsers get the `buffer` package's.
import { Buffer } from 'buffer';

(globalThis as unknown as { Buffer: typeof Buffer }).Buffer ??= Buffer;
