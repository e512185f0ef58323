// Wallets through the Wallet Standard (what Phantom, Backpack, Solflare and the wallet-adapter
// ecosystem register): discovery, connect, and signing a transaction the page built.
import { getWallets } from '@wallet-standard/app';
import type { Wallet, WalletAccount, IdentifierString } from '@wallet-standard/base';
import { StandardConnect, type StandardConnectFeature } from '@wallet-standard/features';
import { SolanaSignTransaction, type SolanaSignTransactionFeature } from '@solana/wallet-standard-features';

export type { Wallet, WalletAccount };

/** Registered wallets that can connect and sign Solana transactions. */
export function solanaWallets(): Wallet[] {
  return getWallets().get().filter((w) => StandardConnect in w.features && SolanaSignTransaction in w.features && w.chains.some((c) => c.startsWith('solana:')));
}

/** Calls `changed` whenever a wallet registers or unregisters; returns the unsubscribe. */
export function onWalletsChanged(changed: () => void): () => void {
  const wallets = getWallets();
  const off = [wallets.on('register', changed), wallets.on('unregister', changed)];
  return () => off.forEach((f) => f());
}

export async function connect(wallet: Wallet): Promise<WalletAccount> {
  const { accounts } = await (wallet.features[StandardConnect] as StandardConnectFeature[typeof StandardConnect]).connect();
  const account = accounts.find((a) => a.chains.some((c) => c.startsWith('solana:'))) ?? accounts[0];
  if (!account) throw new Error(`${wallet.name} connected no account`);
  return account;
}

/** The Wallet Standard chain of an RPC URL: localnet for a local validator. */
export function chainOf(rpc: string): IdentifierString {
  if (/localhost|127\.0\.0\.1|\[::1\]/.test(rpc)) return 'solana:localnet';
  if (rpc.includes('devnet')) return 'solana:devnet';
  if (rpc.includes('testnet')) return 'solana:testnet';
  return 'solana:mainnet';
}

/** The wallet signs a serialized transaction; returns the signed one. */
export async function signTransaction(wallet: Wallet, account: WalletAccount, transaction: Uint8Array, chain: IdentifierString): Promise<Uint8Array> {
  const feature = wallet.features[SolanaSignTransaction] as SolanaSignTransactionFeature[typeof SolanaSignTransaction];
  const [output] = await feature.signTransaction({ account, transaction, chain });
  if (!output) throw new Error(`${wallet.name} returned no signed transaction`);
  return output.signedTransaction;
}
