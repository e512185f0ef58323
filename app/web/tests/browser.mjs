// The web app in Debian's Chromium, driven by playwright-core (no Playwright browser download):
// run by app/cli/tests/web_app_in_chromium.rs, which seeds a network on solana-test-validator,
// starts `civnet index --serve` and `civnet oracle --serve`, and checks every step reported here
// against the chain. Protocol: this script prints `STEP <name> <json>` (what the page shows)
// and waits for `OK <json>` on stdin before going on.
//
// The test wallet registers itself through the Wallet Standard like any browser wallet; it
// signs with a keypair the test holds (exposed to the page as a function, so the secret key
// never enters the page).
import { chromium } from 'playwright-core';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { Keypair, VersionedTransaction } from '@solana/web3.js';

const env = process.env;
const url = env.CIVNET_WEB_URL;
const screenshots = env.CIVNET_SCREENSHOTS;
const walletAsset = env.CIVNET_WALLET_ASSET;
const wallet = Keypair.fromSecretKey(Uint8Array.from(JSON.parse(env.CIVNET_WALLET_SECRET)));
const WALLET_NAME = 'civnet test wallet';
const TIMEOUT = 60_000;

const input = createInterface({ input: process.stdin });
const answers = input[Symbol.asyncIterator]();

/** Reports what the page shows; returns the test's answer once it checked it. */
async function step(name, report) {
  console.log(`STEP ${name} ${JSON.stringify(report)}`);
  const { value, done } = await answers.next();
  if (done || !value.startsWith('OK')) throw new Error(`step ${name} was not accepted: ${value}`);
  return JSON.parse(value.slice(2).trim() || '{}');
}

/** The exact values (`data-value`) of the page's figures, by test id. */
async function figures(page, ids) {
  const out = {};
  for (const id of ids) out[id] = await page.getByTestId(id).first().getAttribute('data-value', { timeout: TIMEOUT });
  return out;
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(screenshots, `${name}.png`), fullPage: true });
}

async function open(page, hash, ready) {
  await page.goto(`${url}/${hash}`);
  await page.getByTestId(ready).first().waitFor({ timeout: TIMEOUT });
}

// What a Wallet Standard wallet does on load (as `registerWallet` of @wallet-standard/wallet):
// announce itself to an app that is already listening, and answer the app's ready event.
function testWallet({ name, address, publicKey }) {
  const account = Object.freeze({
    address,
    publicKey: new Uint8Array(publicKey),
    chains: ['solana:localnet', 'solana:devnet', 'solana:testnet', 'solana:mainnet'],
    features: ['solana:signTransaction'],
    label: name,
  });
  const listeners = [];
  const toBase64 = (bytes) => btoa(String.fromCharCode(...bytes));
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const wallet = {
    version: '1.0.0',
    name,
    icon: 'data:image/svg+xml;base64,' + btoa('<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect width="16" height="16" fill="#2a7ab0"/></svg>'),
    chains: account.chains,
    accounts: [],
    features: {
      'standard:connect': {
        version: '1.0.0',
        connect: async () => {
          wallet.accounts = [account];
          listeners.forEach((listener) => listener({ accounts: wallet.accounts }));
          return { accounts: wallet.accounts };
        },
      },
      'standard:events': {
        version: '1.0.0',
        on: (event, listener) => {
          if (event === 'change') listeners.push(listener);
          return () => listeners.splice(listeners.indexOf(listener), 1);
        },
      },
      'solana:signTransaction': {
        version: '1.0.0',
        supportedTransactionVersions: ['legacy', 0],
        signTransaction: (...inputs) =>
          Promise.all(inputs.map(async ({ transaction }) => ({ signedTransaction: fromBase64(await window.civnetTestWalletSign(toBase64(transaction))) }))),
      },
    },
  };
  const register = ({ register }) => register(wallet);
  window.dispatchEvent(new CustomEvent('wallet-standard:register-wallet', { detail: register }));
  window.addEventListener('wallet-standard:app-ready', ({ detail }) => register(detail));
}

const browser = await chromium.launch({
  executablePath: env.CIVNET_CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && console.log(`console: ${m.text()}`));
  await page.exposeFunction('civnetTestWalletSign', (base64) => {
    const tx = VersionedTransaction.deserialize(Buffer.from(base64, 'base64'));
    tx.sign([wallet]);
    return Buffer.from(tx.serialize()).toString('base64');
  });
  await page.addInitScript(testWallet, { name: WALLET_NAME, address: wallet.publicKey.toBase58(), publicKey: Array.from(wallet.publicKey.toBytes()) });

  // The explorer.
  await open(page, '#/network', 'total-issued');
  await step('explorer', await figures(page, ['total-issued', 'total-claimed', 'dc-minted', 'tokens-burned-for-dc', 'dc-burned', 'dc-burned-usage', 'dc-burned-fees', 'devices', 'active-devices', 'current-epoch', 'next-halving-epoch', 'next-halving-emission']));
  await shot(page, 'network');

  await open(page, '#/sub-networks/IOT', 'chart-dc-burned');
  await step('sub_network', await figures(page, ['active-devices', 'fees-burned', 'onboarding-fee', 'location-fee']));
  await shot(page, 'sub-network');

  await open(page, '#/map', 'map');
  const cells = await page.locator('[data-testid=map] polygon.cell').evaluateAll((polygons) => polygons.map((p) => [p.getAttribute('data-cell'), Number(p.getAttribute('data-devices'))]));
  await step('map', { cells: cells.map(([cell]) => cell), devices: Object.fromEntries(cells) });
  await shot(page, 'map');

  await open(page, `#/devices/${env.CIVNET_SEEDED_DEVICE}`, 'device-key');
  await step('device', await figures(page, ['device-key', 'asset-id', 'owner', 'maker', 'location', 'active']));
  await shot(page, 'device');

  // The wallet: connect through the Wallet Standard, see the devices (DAS).
  await open(page, '#/wallet', `connect-${WALLET_NAME}`);
  await page.getByTestId(`connect-${WALLET_NAME}`).click();
  await page.getByTestId('wallet-address').waitFor({ timeout: TIMEOUT });
  const devices = await page.locator('[data-testid=my-devices] button[data-testid^="onboard-"], [data-testid=my-devices] button[data-testid^="claim-"]').evaluateAll((buttons) => buttons.map((b) => b.getAttribute('data-testid').replace(/^(onboard|claim)-/, '')));
  await step('wallet', { address: await page.getByTestId('wallet-address').getAttribute('data-value'), devices });
  await shot(page, 'wallet');

  // Buy DC.
  const tokensBefore = BigInt(await page.getByTestId('token-balance').getAttribute('data-value'));
  await page.getByTestId('buy-dc-amount').fill('1000000');
  await page.getByTestId('buy-dc').click();
  await page.locator('[data-testid=bought], [data-testid=tx-outcome] [data-testid=tx-error]').first().waitFor({ timeout: TIMEOUT });
  if (!(await page.getByTestId('bought').count())) throw new Error(`buying DC failed: ${await page.getByTestId('tx-outcome').innerText()}`);
  await page.getByTestId('dc-balance').waitFor();
  const tokensAfter = BigInt(await page.getByTestId('token-balance').getAttribute('data-value'));
  await step('bought', { 'dc-balance': await page.getByTestId('dc-balance').getAttribute('data-value') });

  // Onboard: sub-network and H3 cell chosen, the fee shown before signing.
  await page.getByTestId(`onboard-${walletAsset}`).click();
  await page.getByTestId('onboard-sub-network').selectOption('IOT');
  await page.getByTestId('onboard-location').fill('8928308280fffff');
  await page.getByTestId('onboard-review-fee').click();
  await page.locator('[data-testid=onboard-fee], [data-testid=onboard-review] [data-testid=tx-error]').first().waitFor({ timeout: TIMEOUT });
  if (await page.locator('[data-testid=onboard-review] [data-testid=tx-error]').count()) throw new Error(`fee review failed: ${await page.getByTestId('onboard-review').innerText()}`);
  await step('fee', await figures(page, ['onboard-fee']));
  await shot(page, 'wallet-onboard-fee');
  await page.getByTestId('onboard-sign').click();
  await page.locator('[data-testid=onboard-done], [data-testid=tx-outcome] [data-testid=tx-error]').first().waitFor({ timeout: TIMEOUT });
  if (!(await page.getByTestId('onboard-done').count())) throw new Error(`onboarding failed: ${await page.getByTestId('tx-outcome').innerText()}`);
  // The test runs the device through an epoch and closes it (about a minute).
  const { claimable } = await step('onboarded', {});

  // The device page: rewards as the oracle computed them.
  await open(page, `#/devices/${walletAsset}`, 'cumulative');
  await step('rewards', await figures(page, ['cumulative', 'claimed', 'claimable']));

  // Claim with the oracle's proof.
  await page.goto(`${url}/#/wallet`);
  const connectButton = page.getByTestId(`connect-${WALLET_NAME}`);
  const claimButton = page.getByTestId(`claim-${walletAsset}`);
  await connectButton.or(claimButton).first().waitFor({ timeout: TIMEOUT });
  if (await connectButton.count()) await connectButton.click();
  await claimButton.waitFor({ timeout: TIMEOUT });
  await page.getByTestId(`claim-${walletAsset}`).click();
  await page.locator(`[data-testid=claimable][data-value="${claimable}"]`).waitFor({ timeout: TIMEOUT });
  await page.getByTestId('claim-sign').click();
  await page.locator('[data-testid=claimed-amount], [data-testid=tx-outcome] [data-testid=tx-error]').first().waitFor({ timeout: TIMEOUT });
  if (!(await page.getByTestId('claimed-amount').count())) throw new Error(`claim failed: ${await page.getByTestId('tx-outcome').innerText()}`);
  await step('claimed', { 'claimed-amount': await page.getByTestId('claimed-amount').getAttribute('data-value'), 'tokens-spent-on-dc': String(tokensBefore - tokensAfter) });
  await shot(page, 'wallet-claimed');

  // Claiming again: the program refuses, and the page says why.
  await page.getByTestId(`claim-${walletAsset}`).click();
  await page.getByTestId('claim-sign').waitFor({ timeout: TIMEOUT });
  await page.getByTestId('claim-sign').click();
  await page.locator('[data-testid=tx-outcome] [data-testid=tx-error]').waitFor({ timeout: TIMEOUT });
  await step('refused', { error: await page.locator('[data-testid=tx-outcome] [data-testid=tx-error]').innerText() });
  await shot(page, 'wallet-refused');
} finally {
  await browser.close();
  input.close();
}
