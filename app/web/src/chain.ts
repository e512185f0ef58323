// Transactions, built with Anchor's TypeScript client from the programs' IDLs (read from
// target/idl at build time: a changed interface flows into the page with the next build) and
// simulated before the wallet signs; a refusal is named from the failing program's IDL errors.
import './wallet/polyfill';
import { AnchorError, AnchorProvider, BN, Program, utils, type Idl } from '@anchor-lang/core';
import { ComputeBudgetProgram, Connection, PublicKey, TransactionMessage, VersionedTransaction, type TransactionInstruction } from '@solana/web3.js';
import { TOKEN_2022_PROGRAM_ID, createAssociatedTokenAccountIdempotentInstruction, getAssociatedTokenAddressSync, unpackAccount } from '@solana/spl-token';
import emissionsIdl from '@idl/emissions.json';
import dataCreditsIdl from '@idl/data_credits.json';
import registryIdl from '@idl/device_registry.json';
import { dasApi, type DasAsset, type NetworkOverview, type RewardProof, type SubNetwork } from './api';

const IDLS = [emissionsIdl, dataCreditsIdl, registryIdl] as unknown as Idl[];

/** A failed transaction, named from the program's IDL: `Name: message (error N)`. */
export class ChainError extends Error {
  constructor(message: string, public logs: string[] = []) {
    super(message);
  }
}

/** Who signs: the connected wallet, through the Wallet Standard. */
export interface Signer {
  owner: PublicKey;
  sign(transaction: Uint8Array): Promise<Uint8Array>;
}

export class Chain {
  readonly connection: Connection;
  readonly emissions: Program;
  readonly dataCredits: Program;
  readonly registry: Program;

  constructor(rpc: string) {
    this.connection = new Connection(rpc, 'confirmed');
    // Instructions are only built here; the wallet signs, so the provider's wallet never does.
    const readOnly = {
      publicKey: PublicKey.default,
      signTransaction: () => Promise.reject(new Error('the wallet signs')),
      signAllTransactions: () => Promise.reject(new Error('the wallet signs')),
    };
    const provider = new AnchorProvider(this.connection, readOnly as never, { commitment: 'confirmed' });
    [this.emissions, this.dataCredits, this.registry] = IDLS.map((idl) => new Program(idl, provider)) as [Program, Program, Program];
  }

  /** The token program that owns `mint` (the network token may be SPL Token or Token-2022). */
  async tokenProgramOf(mint: PublicKey): Promise<PublicKey> {
    const info = await this.connection.getAccountInfo(mint);
    if (!info) throw new ChainError(`mint ${mint.toBase58()} does not exist on this cluster`);
    return info.owner;
  }

  /** A token account's balance in base units, 0 when it does not exist. */
  async balance(account: PublicKey, tokenProgram: PublicKey): Promise<bigint> {
    const info = await this.connection.getAccountInfo(account);
    return info ? unpackAccount(account, info, tokenProgram).amount : 0n;
  }

  async balances(owner: PublicKey, network: NetworkOverview): Promise<{ tokens: bigint; dc: bigint }> {
    const mint = new PublicKey(network.token_mint);
    const tokenProgram = await this.tokenProgramOf(mint);
    const dcMint = network.dc_config ? new PublicKey(network.dc_config.dc_mint) : null;
    return {
      tokens: await this.balance(getAssociatedTokenAddressSync(mint, owner, true, tokenProgram), tokenProgram),
      dc: dcMint ? await this.balance(getAssociatedTokenAddressSync(dcMint, owner, true, TOKEN_2022_PROGRAM_ID), TOKEN_2022_PROGRAM_ID) : 0n,
    };
  }

  // Instructions.

  /** `mint_data_credits`: burn network tokens for DC into the owner's DC account (created if missing). */
  async buyDcInstructions(owner: PublicKey, network: NetworkOverview, amount: { dc?: bigint; tokens?: bigint }): Promise<TransactionInstruction[]> {
    const config = network.dc_config;
    if (!config) throw new ChainError('this network has no data credits configuration yet');
    const mint = new PublicKey(network.token_mint);
    const tokenProgram = await this.tokenProgramOf(mint);
    const dcMint = new PublicKey(config.dc_mint);
    const recipientDc = getAssociatedTokenAddressSync(dcMint, owner, true, TOKEN_2022_PROGRAM_ID);
    const mintIx = await method(this.dataCredits, 'mintDataCredits')({ tokenAmount: amount.tokens !== undefined ? new BN(amount.tokens.toString()) : null, dcAmount: amount.dc !== undefined ? new BN(amount.dc.toString()) : null })
      .accountsPartial({
        owner,
        config: new PublicKey(config.address),
        networkMint: mint,
        ownerTokens: getAssociatedTokenAddressSync(mint, owner, true, tokenProgram),
        dcMint,
        recipientDc,
        priceUpdate: null as unknown as PublicKey,
        tokenProgram,
        eventAuthority: eventAuthority(this.dataCredits.programId),
        program: this.dataCredits.programId,
      })
      .instruction();
    return [createAssociatedTokenAccountIdempotentInstruction(owner, recipientDc, owner, dcMint, TOKEN_2022_PROGRAM_ID), mintIx];
  }

  /** The cNFT leaf and the proof nodes below the tree's canopy, from the DAS API. */
  async cnftProof(asset: DasAsset): Promise<{ leaf: Record<string, unknown>; tree: PublicKey; nodes: PublicKey[] }> {
    const proof = await dasApi.assetProof(asset.id);
    const tree = new PublicKey(asset.compression.tree);
    const treeAccount = await this.connection.getAccountInfo(tree);
    if (!treeAccount) throw new ChainError(`tree ${tree.toBase58()} does not exist`);
    const canopy = canopyDepth(treeAccount.data);
    const nodes = proof.proof.slice(0, proof.proof.length - canopy).map((n) => new PublicKey(n));
    const bytes = (b58: string) => Array.from(utils.bytes.bs58.decode(b58));
    const leaf = {
      root: bytes(proof.root),
      delegate: new PublicKey(asset.ownership.delegate ?? asset.ownership.owner),
      nonce: new BN(asset.compression.leaf_id),
      index: asset.compression.leaf_id,
      dataHash: bytes(asset.compression.data_hash),
      creatorHash: bytes(asset.compression.creator_hash),
    };
    return { leaf, tree, nodes };
  }

  /** `onboard_device` of the owner's device cNFT into `sub`, at H3 cell `location` (0: none). */
  async onboardInstructions(owner: PublicKey, network: NetworkOverview, sub: SubNetwork, asset: DasAsset, deviceKey: PublicKey, location: bigint): Promise<TransactionInstruction[]> {
    const config = network.dc_config;
    if (!config) throw new ChainError('this network has no data credits configuration yet');
    if (!sub.sub_network_devices) throw new ChainError(`sub-network ${sub.name} has no device record yet`);
    const { leaf, tree, nodes } = await this.cnftProof(asset);
    const dcMint = new PublicKey(config.dc_mint);
    const ix = await method(this.registry, 'onboardDevice')({ deviceKey, location: new BN(location.toString()), elevation: 0, gain: 0, cnft: leaf })
      .accountsPartial({
        owner,
        network: new PublicKey(network.address),
        subNetwork: new PublicKey(sub.address),
        subNetworkDevices: new PublicKey(sub.sub_network_devices),
        merkleTree: tree,
        dcConfig: new PublicKey(config.address),
        dcMint,
        ownerDc: getAssociatedTokenAddressSync(dcMint, owner, true, TOKEN_2022_PROGRAM_ID),
        tokenProgram: TOKEN_2022_PROGRAM_ID,
        eventAuthority: eventAuthority(this.registry.programId),
        program: this.registry.programId,
      })
      .remainingAccounts(nodes.map((pubkey) => ({ pubkey, isSigner: false, isWritable: false })))
      .instruction();
    return [ComputeBudgetProgram.setComputeUnitLimit({ units: 400_000 }), ix];
  }

  /** `claim_rewards` with the oracle's proof of the device's cumulative reward. */
  async claimInstructions(owner: PublicKey, network: NetworkOverview, sub: SubNetwork, asset: DasAsset, reward: RewardProof): Promise<{ instructions: TransactionInstruction[]; destination: PublicKey; tokenProgram: PublicKey }> {
    if (!sub.rewards_root) throw new ChainError(`sub-network ${sub.name} has no rewards root yet`);
    const { leaf, tree, nodes } = await this.cnftProof(asset);
    const mint = new PublicKey(network.token_mint);
    const tokenProgram = await this.tokenProgramOf(mint);
    const destination = getAssociatedTokenAddressSync(mint, owner, true, tokenProgram);
    const ix = await method(this.emissions, 'claimRewards')({
        assetId: new PublicKey(asset.id),
        cumulativeAmount: new BN(reward.cumulative_amount.toString()),
        rewardProof: reward.proof.map((hex) => Array.from(utils.bytes.hex.decode(hex))),
        cnft: leaf,
      })
      .accountsPartial({
        owner,
        network: new PublicKey(network.address),
        subNetwork: new PublicKey(sub.address),
        rewardsRoot: new PublicKey(sub.rewards_root),
        merkleTree: tree,
        rewardsEscrow: new PublicKey(sub.rewards_escrow),
        destination,
        tokenMint: mint,
        tokenProgram,
      })
      .remainingAccounts(nodes.map((pubkey) => ({ pubkey, isSigner: false, isWritable: false })))
      .instruction();
    return { instructions: [ComputeBudgetProgram.setComputeUnitLimit({ units: 400_000 }), createAssociatedTokenAccountIdempotentInstruction(owner, destination, owner, mint, tokenProgram), ix], destination, tokenProgram };
  }

  // Sending.

  private async transaction(payer: PublicKey, instructions: TransactionInstruction[]) {
    const latest = await this.connection.getLatestBlockhash('confirmed');
    const message = new TransactionMessage({ payerKey: payer, recentBlockhash: latest.blockhash, instructions }).compileToV0Message();
    return { tx: new VersionedTransaction(message), latest };
  }

  /**
   * Simulates `instructions` paid by `payer` and returns the token amounts of `watch` (token
   * accounts of `tokenProgram`) after it, as the program would leave them; a refusal throws
   * its named error.
   */
  async simulate(payer: PublicKey, instructions: TransactionInstruction[], watch: PublicKey[] = [], tokenProgram = TOKEN_2022_PROGRAM_ID): Promise<bigint[]> {
    const { tx } = await this.transaction(payer, instructions);
    const result = await this.connection.simulateTransaction(tx, { sigVerify: false, replaceRecentBlockhash: true, commitment: 'confirmed', accounts: { encoding: 'base64', addresses: watch.map((a) => a.toBase58()) } });
    if (result.value.err) throw new ChainError(describeFailure(result.value.err, result.value.logs ?? [], instructions), result.value.logs ?? []);
    return (result.value.accounts ?? []).map((account, i) => {
      if (!account) return 0n;
      const data = Buffer.from(account.data[0] ?? '', 'base64');
      return unpackAccount(watch[i]!, { ...account, data, owner: new PublicKey(account.owner) }, tokenProgram).amount;
    });
  }

  /** Simulate, have the wallet sign, send, confirm; returns the signature. */
  async execute(signer: Signer, instructions: TransactionInstruction[]): Promise<string> {
    await this.simulate(signer.owner, instructions);
    const { tx, latest } = await this.transaction(signer.owner, instructions);
    const signed = await signer.sign(tx.serialize());
    const signature = await this.connection.sendRawTransaction(signed, { skipPreflight: true });
    const confirmation = await this.connection.confirmTransaction({ signature, ...latest }, 'confirmed');
    if (confirmation.value.err) {
      const sent = await this.connection.getTransaction(signature, { commitment: 'confirmed', maxSupportedTransactionVersion: 0 });
      const logs = sent?.meta?.logMessages ?? [];
      throw new ChainError(describeFailure(confirmation.value.err, logs, instructions), logs);
    }
    return signature;
  }
}

/**
 * The canopy depth of an SPL account-compression tree account: the proof levels the account
 * caches, which a transaction leaves out. Layout (spl-account-compression 0.4 /
 * `ConcurrentMerkleTree<D, B>`): a 56-byte header with `max_buffer_size` (u32 LE) at byte 2
 * and `max_depth` at byte 6; the tree (3 u64, B change logs of `40 + 32 D` bytes, the
 * rightmost proof of `40 + 32 D`); then the canopy, `2^(c+1) - 2` nodes of 32 bytes. The
 * published `getCanopyDepth` computes the same (its package does not bundle for browsers).
 */
export function canopyDepth(data: Uint8Array): number {
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const maxBuffer = view.getUint32(2, true);
  const maxDepth = view.getUint32(6, true);
  const treeBytes = 24 + maxBuffer * (40 + 32 * maxDepth) + (40 + 32 * maxDepth);
  const canopyNodes = (data.length - 56 - treeBytes) / 32;
  if (!Number.isInteger(canopyNodes) || canopyNodes < 0) throw new ChainError('not an account-compression tree account');
  return Math.max(0, Math.log2(canopyNodes + 2) - 1);
}

/** An instruction of the program's IDL; a renamed or removed one fails here, by name. */
function method(program: Program, name: string) {
  const build = program.methods[name];
  if (!build) throw new ChainError(`the ${program.idl.metadata.name} IDL has no instruction ${name}: rebuild the page against the current target/idl`);
  return build;
}

export function eventAuthority(programId: PublicKey): PublicKey {
  return PublicKey.findProgramAddressSync([Buffer.from('__event_authority')], programId)[0];
}

/** Error code -> IDL entry, per civnet program id. */
const IDL_ERRORS = new Map(
  IDLS.map((idl) => [(idl as unknown as { address: string }).address, new Map((idl.errors ?? []).map((e) => [e.code, e]))]),
);

/**
 * A transaction error as a person reads it: the failing program's IDL error (`Name: message
 * (error N)`) for civnet's programs, Anchor's own errors from the logs, else the runtime's.
 */
export function describeFailure(err: unknown, logs: string[], instructions: TransactionInstruction[]): string {
  const failed = (err as { InstructionError?: [number, unknown] }).InstructionError;
  if (failed) {
    const [index, detail] = failed;
    const program = instructions[index]?.programId.toBase58();
    const custom = (detail as { Custom?: number }).Custom;
    if (custom !== undefined && program) {
      const entry = IDL_ERRORS.get(program)?.get(custom);
      if (entry) return `${entry.name}: ${entry.msg ?? entry.name} (error ${custom})`;
    }
    const anchor = AnchorError.parse(logs);
    if (anchor) return `${anchor.error.errorCode.code}: ${anchor.error.errorMessage} (error ${anchor.error.errorCode.number})`;
    const last = logs.filter((l) => /failed|Error/.test(l)).pop();
    return `instruction ${index} failed: ${JSON.stringify(detail)}${last ? ` (${last})` : ''}`;
  }
  return `transaction refused: ${JSON.stringify(err)}`;
}
